-- 换班次数: approved swaps placed by swap_date; each party (the applicant and
-- the counterpart) counts once, at its own agent, team and department and at
-- the centre, so a swap inside one team counts 2 for the team and the centre
-- always counts 2. A party not on the roster reaches the centre only. The count
-- is the numerator.
with parties as (
    select
        swap_id,
        swap_date,
        agent_id
    from {{ ref('stg_shift_swaps') }}
    union all
    select
        swap_id,
        swap_date,
        counterpart_agent_id as agent_id
    from {{ ref('stg_shift_swaps') }}
),

facts as (
    select
        swap_date as event_date,
        agent_id,
        swap_id,
        1 as numerator,
        1 as denominator
    from parties
)
{{ aggregate_kpi('facts', method='sum', records='stg_shift_swaps', record_key=['swap_id']) }}
