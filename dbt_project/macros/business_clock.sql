{#
  The business clock: durations and deadlines that count only the seconds inside business hours
  (seeds business_hours and holidays, tiled into segments by int_business_clock).

  B(t), the business seconds from the start of the calendar (var business_calendar_from) to the instant t,
  is looked up with one join per timestamp: an equi-join on the day of t and, within that day's few segments,
  the segment holding t's second of the day. Business seconds of [start, end) = B(end) - B(start). A deadline
  is found the other way round, with an equi-join on a bucket of business seconds
  (int_business_clock_buckets). Timestamps count in whole seconds; an instant outside the calendar
  (before business_calendar_from or after business_calendar_to) has no B: its durations and deadlines are NULL.

  Each macro renders a whole SELECT of the relation (a CTE name) with one column added, to use as a CTE body:

      timed as ({{ business_seconds('created_at', 'resolved_at', 'tickets', 'resolution_business_seconds') }})

  `start`, `end`: column names of the relation (or expressions); `minutes`: a column or expression of it.
#}

{#- Business seconds of [start, end): 0 when end <= start, NULL when either is NULL (or outside the calendar). -#}
{% macro business_seconds(start, end, relation, name) -%}
{%- set start_at = _clock_operand(start, relation) -%}
{%- set end_at = _clock_operand(end, relation) -%}
{%- set at_start = name ~ '_clock_at_start' -%}
{%- set at_end = name ~ '_clock_at_end' -%}
select
    {{ relation }}.*,
    case
        when {{ start_at }} is null or {{ end_at }} is null then null
        when {{ end_at }} <= {{ start_at }} then 0
        else {{ _business_clock_reading(at_end, end_at) }} - {{ _business_clock_reading(at_start, start_at) }}
    end as {{ name }}
from {{ relation }}
{{ _business_clock_join(at_start, start_at) }}
{{ _business_clock_join(at_end, end_at) }}
{%- endmacro %}

{#-
  The earliest instant at which the business clock has run `minutes` since `start`: where B reaches
  B(start) + minutes x 60 (minutes rounded up to whole seconds). The exact end of an open segment counts
  (9 business hours from Monday 09:00 is Monday 18:00, not Tuesday 09:00); 0 minutes (or fewer) is start
  itself; NULL when start or minutes is NULL, or when the deadline falls outside the calendar.
-#}
{% macro business_deadline(start, minutes, relation, name) -%}
{%- set start_at = _clock_operand(start, relation) -%}
{%- set at_start = name ~ '_clock_at_start' -%}
{%- set reached = name ~ '_clock_reached' -%}
{%- set target -%}
    ({{ _business_clock_reading(at_start, start_at) }} + {{ _clock_whole_seconds(minutes) }})
{%- endset -%}
select
    {{ relation }}.*,
    case
        when {{ start_at }} is null or ({{ minutes }}) is null then null
        when ({{ minutes }}) <= 0 then {{ start_at }}
        else {{ dbt.dateadd(
            'second',
            reached ~ '.segment_start_second + ' ~ target ~ ' - ' ~ reached ~ '.business_seconds_before',
            'cast(' ~ reached ~ '.calendar_date as timestamp)'
        ) | trim }}
    end as {{ name }}
from {{ relation }}
{{ _business_clock_join(at_start, start_at) }}
left join {{ ref('int_business_clock_buckets') }} as {{ reached }}
    on {{ reached }}.deadline_bucket = cast(floor({{ target }} / {{ business_clock_bucket_seconds() }}) as bigint)
    and {{ reached }}.business_seconds_before < {{ target }}
    and {{ target }} <= {{ reached }}.business_seconds_after
{%- endmacro %}

{#- Seconds of [start, end) on a clock named by a literal: 'calendar' (plain seconds, as kpis.md; negative when
    end < start) or 'business' (business_seconds). -#}
{% macro clock_seconds(clock, start, end, relation, name) -%}
{%- if _clock_name(clock) == 'business' -%}
{{ business_seconds(start, end, relation, name) }}
{%- else -%}
select
    {{ relation }}.*,
    {{ seconds_between(_clock_operand(start, relation), _clock_operand(end, relation)) }} as {{ name }}
from {{ relation }}
{%- endif -%}
{%- endmacro %}

{#- The instant `minutes` after start on a clock named by a literal: 'calendar' (start + minutes, to the whole
    second) or 'business' (business_deadline). -#}
{% macro clock_deadline(clock, start, minutes, relation, name) -%}
{%- if _clock_name(clock) == 'business' -%}
{{ business_deadline(start, minutes, relation, name) }}
{%- else -%}
select
    {{ relation }}.*,
    {{ dbt.dateadd('second', _clock_whole_seconds(minutes), _clock_operand(start, relation)) | trim }} as {{ name }}
from {{ relation }}
{%- endif -%}
{%- endmacro %}

{#- The clock a model runs on: var('sla_clock') unless named. -#}
{% macro sla_clock(clock=none) -%}
{{ return(_clock_name(clock if clock is not none else var('sla_clock'))) }}
{%- endmacro %}

{#- Business seconds per deadline bucket: at least the longest segment (a day), so a segment spans at most two. -#}
{% macro business_clock_bucket_seconds() -%}
86400
{%- endmacro %}

{#- 'HH:MM:SS' text as seconds from midnight. -#}
{% macro time_text_seconds(column) -%}
(cast(substr({{ column }}, 1, 2) as integer) * 3600 + cast(substr({{ column }}, 4, 2) as integer) * 60
    + cast(substr({{ column }}, 7, 2) as integer))
{%- endmacro %}

{%- macro _clock_name(clock) -%}
{%- if clock not in ['calendar', 'business'] -%}
    {{ exceptions.raise_compiler_error("a clock is 'calendar' or 'business', not '" ~ clock ~ "' (var sla_clock)") }}
{%- endif -%}
{{ return(clock) }}
{%- endmacro -%}

{#- A bare column name is taken from the relation; anything else is used as written. -#}
{%- macro _clock_operand(column, relation) -%}
{{ return(relation ~ '.' ~ column if modules.re.match('^[A-Za-z_][A-Za-z0-9_]*$', column) else column) }}
{%- endmacro -%}

{%- macro _clock_whole_seconds(minutes) -%}
cast(ceil(({{ minutes }}) * 60) as bigint)
{%- endmacro -%}

{#- Seconds from midnight of a timestamp. -#}
{%- macro _clock_second_of_day(at) -%}
{{ seconds_between('cast(cast(' ~ at ~ ' as date) as timestamp)', at) }}
{%- endmacro -%}

{#- The segment of int_business_clock holding the instant `at`, joined as `alias`. -#}
{%- macro _business_clock_join(alias, at) -%}
left join {{ ref('int_business_clock') }} as {{ alias }}
    on {{ alias }}.calendar_date = cast({{ at }} as date)
    and {{ alias }}.segment_start_second <= {{ _clock_second_of_day(at) }}
    and {{ _clock_second_of_day(at) }} < {{ alias }}.segment_end_second
{%- endmacro -%}

{#- B(at), from the segment joined as `alias`: the business seconds before the segment, plus the part of an open
    segment already run. -#}
{%- macro _business_clock_reading(alias, at) -%}
({{ alias }}.business_seconds_before + case
    when {{ alias }}.is_open then {{ _clock_second_of_day(at) }} - {{ alias }}.segment_start_second
    else 0
end)
{%- endmacro -%}
