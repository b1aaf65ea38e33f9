-- 建筑风貌违规数: violations with category = building placed by occurred_at, attributed
-- as int_violations says. The count is the numerator.
{{ violation_count('building') }}
