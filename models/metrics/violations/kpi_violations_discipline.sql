-- 工作纪律违规数: violations with category = discipline placed by occurred_at, attributed
-- as int_violations says. The count is the numerator.
{{ violation_count('discipline') }}
