-- 公共设施违规数: violations with category = facility placed by occurred_at, attributed
-- as int_violations says. The count is the numerator.
{{ violation_count('facility') }}
