-- Attendance typed and cleaned: one row per agent and scheduled work day
-- (应出勤日; rest days are not listed). Contract defaults: missing minutes are
-- 0, a missing missed_punch is false.
select
    {{ clean_text('agent_id') }} as agent_id,
    work_date,
    {{ clean_code('status') }} as status,
    {{ clean_code('leave_type') }} as leave_type,
    {{ contract_default('attendance', 'late_minutes') }} as late_minutes,
    {{ contract_default('attendance', 'early_leave_minutes') }} as early_leave_minutes,
    {{ contract_default('attendance', 'missed_punch') }} as missed_punch,
    _source_file,
    _source_row,
    _loaded_at
from {{ source('raw', 'attendance') }}
