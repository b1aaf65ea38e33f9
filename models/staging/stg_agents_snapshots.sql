-- Every roster snapshot typed and cleaned: each agent's team and department as of
-- each snapshot date (one row per agent and date).
select
    {{ clean_text('agent_id') }} as agent_id,
    _snapshot_date as snapshot_date,
    {{ clean_text('team') }} as team,
    {{ clean_text('department') }} as department,
    _source_file,
    _source_row,
    _loaded_at
from {{ source('raw', 'agents_snapshots') }}
