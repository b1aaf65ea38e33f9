-- Violations and inspection findings typed and cleaned. description (free
-- text that may name people or owners) is not carried. points and fine_yuan
-- stay as recorded (NULL = not given); int_violations derives the effective ones.
select
    {{ clean_text('violation_id') }} as violation_id,
    occurred_at,
    cast(occurred_at as date) as occurred_date,
    {{ clean_text('agent_id') }} as agent_id,
    {{ clean_text('team') }} as team,
    {{ clean_code('category') }} as category,
    {{ clean_code('inspector_level') }} as inspector_level,
    points,
    fine_yuan,
    _source_file,
    _source_row,
    _loaded_at
from {{ source('raw', 'violations') }}
