-- 仪容仪表违规数: violations with category = appearance placed by occurred_at, attributed
-- as int_violations says. The count is the numerator.
{{ violation_count('appearance') }}
