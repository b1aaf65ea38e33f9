-- Calls typed and cleaned. Contract defaults (contract_default): missing is_valid = true,
-- missing transferred = false, missing talk_seconds on an answered call =
-- ended_at - answered_at. caller_number (PII) is not carried.
with source as (
    select * from {{ source('raw', 'calls') }}
),

cleaned as (
    select
        {{ clean_text('call_id') }} as call_id,
        {{ clean_code('direction') }} as direction,
        {{ clean_text('queue') }} as queue,
        {{ clean_text('customer_id') }} as customer_id,
        {{ clean_text('agent_id') }} as agent_id,
        offered_at,
        answered_at,
        ended_at,
        talk_seconds,
        hold_seconds,
        wrap_seconds,
        {{ clean_code('outcome') }} as outcome,
        {{ contract_default('calls', 'transferred') }} as transferred,
        {{ contract_default('calls', 'is_valid') }} as is_valid,
        _source_file,
        _source_row,
        _loaded_at
    from source
),

derived as (
    select
        *,
        coalesce(
            talk_seconds,
            case when outcome = 'answered' then {{ seconds_between('answered_at', 'ended_at') }} end
        ) as talk_seconds_filled
    from cleaned
)

select
    call_id,
    direction,
    queue,
    customer_id,
    agent_id,
    offered_at,
    answered_at,
    ended_at,
    talk_seconds_filled as talk_seconds,
    hold_seconds,
    wrap_seconds,
    outcome,
    transferred,
    is_valid,
    cast(offered_at as date) as offered_date,
    {{ seconds_between('offered_at', 'answered_at') }} as answer_seconds,
    {{ seconds_between('offered_at', 'ended_at') }} as call_seconds,
    coalesce(talk_seconds_filled, 0) + coalesce(hold_seconds, 0) + coalesce(wrap_seconds, 0) as handle_seconds,
    _source_file,
    _source_row,
    _loaded_at
from derived
