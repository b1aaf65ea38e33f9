-- The staff roster typed and cleaned; team is the agent's current team.
select
    {{ clean_text('agent_id') }} as agent_id,
    {{ clean_text('agent_name') }} as agent_name,
    {{ clean_text('team') }} as team,
    {{ clean_text('department') }} as department,
    {{ clean_code('role') }} as role,
    {{ clean_code('level') }} as level,
    hired_on,
    left_on,
    probation_until,
    pay_base,
    _source_file,
    _source_row,
    _loaded_at
from {{ source('raw', 'agents') }}
