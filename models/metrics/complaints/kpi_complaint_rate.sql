-- 客户投诉率: complaints received in the period (any severity or responsibility,
-- by received_at) / contacts of the period: valid inbound answered calls (by
-- offered_at) plus non-cancelled tickets (by created_at). Each record is
-- attributed by its own agent_id: a complaint to the agent it names, a contact
-- to the agent who handled it; a team pools its agents' complaints and contacts.
with facts as (
    select
        received_date as event_date,
        agent_id,
        'complaints' as record_source,
        cast(complaint_id as {{ dbt.type_string() }}) as record_id,
        1 as numerator,
        0 as denominator
    from {{ ref('stg_complaints') }}
    union all
    select
        offered_date as event_date,
        agent_id,
        'calls' as record_source,
        cast(call_id as {{ dbt.type_string() }}) as record_id,
        0 as numerator,
        1 as denominator
    from {{ ref('stg_calls') }}
    where is_valid
        and direction = 'inbound'
        and outcome = 'answered'
    union all
    select
        created_date as event_date,
        agent_id,
        'tickets' as record_source,
        cast(ticket_id as {{ dbt.type_string() }}) as record_id,
        0 as numerator,
        1 as denominator
    from {{ ref('stg_tickets') }}
    where not is_cancelled
)

{{ aggregate_kpi('facts', method='sum') }}
