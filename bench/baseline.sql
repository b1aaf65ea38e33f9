-- Baseline: centre-level monthly KPIs in one hand-written DuckDB script,
-- straight from the landing files, as the floor the pipeline is compared with.
--
-- Variables: `landing` (the landing folder) and `utf8` (a folder holding UTF-8
-- copies of the GBK sources complaints/ and callbacks/). Headers and values
-- may be English or the Chinese first aliases the extracts use; a re-extract
-- replaces older rows per key (newest file wins, ties by file name).
-- Contract defaults: missing is_valid = true, missing transferred = false,
-- talk_seconds missing on an answered call = ended_at - answered_at.
-- Thresholds are the dbt vars' defaults: service_level_seconds 20,
-- short_abandon_seconds 0.
-- Returns (period_start, kpi_code, numerator, denominator, value).

create temp macro flag(x) as case
    when lower(trim(x)) in ('true', '1', 'y', 'yes', '是') then true
    when lower(trim(x)) in ('false', '0', 'n', 'no', '否') then false
end;
create temp macro ts(x) as cast(replace(trim(x), '/', '-') as timestamp);
create temp macro code(x) as nullif(lower(trim(x)), '');

create temp table call_files as
select filename, last_modified
from read_blob(getvariable('landing') || '/calls/*.csv');

create temp view calls as
with files as (
    select *
    from read_csv(getvariable('landing') || '/calls/*.csv', union_by_name = true, filename = true,
        all_varchar = true)
),
typed as (
    select
        coalesce(call_id, 呼叫ID) as call_id,
        case code(coalesce(direction, 呼叫方向))
            when '呼入' then 'inbound' when '呼出' then 'outbound'
            else code(coalesce(direction, 呼叫方向)) end as direction,
        ts(coalesce(offered_at, 进线时间)) as offered_at,
        ts(coalesce(answered_at, 接听时间)) as answered_at,
        ts(coalesce(ended_at, 挂机时间)) as ended_at,
        cast(coalesce(talk_seconds, 通话时长) as bigint) as talk_seconds,
        cast(coalesce(hold_seconds, 保持时长) as bigint) as hold_seconds,
        cast(coalesce(wrap_seconds, 话后处理时长) as bigint) as wrap_seconds,
        case code(coalesce(outcome, 呼叫结果))
            when '已接通' then 'answered' when '接通' then 'answered' when '放弃' then 'abandoned'
            when '呼损' then 'blocked' when '阻塞' then 'blocked'
            else code(coalesce(outcome, 呼叫结果)) end as outcome,
        coalesce(flag(coalesce(transferred, 是否转接)), false) as transferred,
        coalesce(flag(coalesce(is_valid, 是否有效)), true) as is_valid,
        files.filename,
        call_files.last_modified
    from files
    join call_files using (filename)
)
select * exclude (filename, last_modified)
from typed
qualify row_number() over (partition by call_id order by last_modified desc, filename desc) = 1;

create temp table call_kpis as
with facts as (
    select
        cast(date_trunc('month', offered_at) as date) as period_start,
        is_valid and direction = 'inbound' as valid_inbound,
        outcome = 'answered' as answered,
        -- an abandon shorter than short_abandon_seconds leaves both sides
        outcome = 'answered'
            or (outcome = 'abandoned' and not coalesce(date_diff('second', offered_at, ended_at) < 0, false))
            as counted_abandon_base,
        outcome = 'abandoned' as abandoned,
        date_diff('second', offered_at, answered_at) as answer_seconds,
        coalesce(talk_seconds, case when outcome = 'answered' then date_diff('second', answered_at, ended_at) end)
            as talk_seconds,
        hold_seconds,
        wrap_seconds,
        transferred,
        is_valid
    from calls
)
select
    period_start,
    count(*) as call_volume,
    count(*) filter (valid_inbound) as inbound,
    count(*) filter (valid_inbound and answered) as inbound_answered,
    count(*) filter (valid_inbound and counted_abandon_base) as abandon_base,
    count(*) filter (valid_inbound and counted_abandon_base and abandoned) as abandoned,
    count(*) filter (valid_inbound and counted_abandon_base and answered and answer_seconds <= 20) as within_sl,
    sum(talk_seconds) filter (valid_inbound and answered) as talk_sum,
    count(talk_seconds) filter (valid_inbound and answered) as talk_n,
    sum(answer_seconds) filter (valid_inbound and answered) as answer_sum,
    count(answer_seconds) filter (valid_inbound and answered) as answer_n,
    sum(coalesce(talk_seconds, 0) + coalesce(hold_seconds, 0) + coalesce(wrap_seconds, 0))
        filter (valid_inbound and answered) as handle_sum,
    count(*) filter (is_valid and answered) as valid_answered,
    count(*) filter (is_valid and answered and transferred) as transferred
from facts
group by period_start;

create temp table ticket_kpis as
with tickets as (
    select ts(created_at) as created_at, ts(resolved_at) as resolved_at, code(status) as status
    from read_csv(getvariable('landing') || '/tickets/*.csv', all_varchar = true)
)
select
    cast(date_trunc('month', created_at) as date) as period_start,
    count(*) as created,
    count(*) filter (resolved_at is not null or status in ('resolved', 'closed')) as resolved
from tickets
where status <> 'cancelled'
group by period_start;

create temp table complaint_kpis as
with complaints as (
    select
        ts(解决时间) as resolved_at,
        flag(是否满意) as satisfied
    from read_csv(getvariable('utf8') || '/complaints/*.csv', all_varchar = true)
)
select
    cast(date_trunc('month', resolved_at) as date) as period_start,
    count(*) as resolved,
    count(*) filter (satisfied) as satisfied
from complaints
where resolved_at is not null
group by period_start;

create temp table callback_kpis as
with callbacks as (
    select
        客户编号 as customer_id,
        cast(ts(计划回访日期) as date) as planned_date,
        case code(回访状态) when '已回访' then 'completed' when '已完成' then 'completed' when '取消' then 'cancelled'
            else code(回访状态) end as status
    from read_csv(getvariable('utf8') || '/callbacks/*.csv', all_varchar = true)
)
select
    cast(date_trunc('month', planned_date) as date) as period_start,
    count(distinct customer_id) as planned_customers,
    count(distinct customer_id) filter (status = 'completed') as reached_customers
from callbacks
where status <> 'cancelled'
group by period_start;

create temp table survey_kpis as
select
    cast(date_trunc('month', responded_at) as date) as period_start,
    sum(csat_score * 20) as csat_points,
    count(*) as responses
from read_parquet(getvariable('landing') || '/surveys/*.parquet')
group by period_start;

with kpis (period_start, kpi_code, numerator, denominator, count_value) as (
    select period_start, 'call_volume', null, null, call_volume from call_kpis
    union all select period_start, 'answer_rate', inbound_answered, inbound, null from call_kpis
    union all select period_start, 'abandonment_rate', abandoned, abandon_base, null from call_kpis
    union all select period_start, 'service_level', within_sl, abandon_base, null from call_kpis
    union all select period_start, 'avg_talk_seconds', talk_sum, talk_n, null from call_kpis
    union all select period_start, 'avg_speed_of_answer_seconds', answer_sum, answer_n, null from call_kpis
    union all select period_start, 'avg_handle_seconds', handle_sum, inbound_answered, null from call_kpis
    union all select period_start, 'transfer_rate', transferred, valid_answered, null from call_kpis
    union all select period_start, 'non_call_processing_rate', resolved, created, null from ticket_kpis
    union all select period_start, 'complaint_resolution_satisfaction_rate', satisfied, resolved, null
        from complaint_kpis
    union all select period_start, 'callback_rate', reached_customers, planned_customers, null from callback_kpis
    union all select period_start, 'csat_score', csat_points, responses, null from survey_kpis
)
select
    period_start,
    kpi_code,
    cast(numerator as double) as numerator,
    cast(denominator as double) as denominator,
    cast(coalesce(count_value, numerator / nullif(denominator, 0)) as double) as value
from kpis
order by period_start, kpi_code;
