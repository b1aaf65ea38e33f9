-- 工作态度违规数: violations with category = attitude placed by occurred_at, attributed
-- as int_violations says. The count is the numerator.
{{ violation_count('attitude') }}
