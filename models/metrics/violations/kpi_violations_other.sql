-- 其他违规数: violations with category = other placed by occurred_at, attributed
-- as int_violations says. The count is the numerator.
{{ violation_count('other') }}
