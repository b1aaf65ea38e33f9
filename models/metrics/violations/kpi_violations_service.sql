-- 服务规范违规数: violations with category = service placed by occurred_at, attributed
-- as int_violations says. The count is the numerator.
{{ violation_count('service') }}
