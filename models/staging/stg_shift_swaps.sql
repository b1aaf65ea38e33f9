-- Approved shift swaps typed and cleaned: one row per swap between the
-- applicant (agent_id) and the counterpart.
select
    {{ clean_text('swap_id') }} as swap_id,
    swap_date,
    {{ clean_text('agent_id') }} as agent_id,
    {{ clean_text('counterpart_agent_id') }} as counterpart_agent_id,
    _source_file,
    _source_row,
    _loaded_at
from {{ source('raw', 'shift_swaps') }}
