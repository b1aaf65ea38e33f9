{#
  The rules of the inbound call KPIs that several models share, in one place: which calls are short
  (abandons, answers), which calls service level counts and which meet it (service_level_abandon_mode),
  and the settings of marts.call_intervals. Each condition reads the columns of stg_calls, optionally
  through a table alias (`prefix`, e.g. 'calls.').
#}

{# The validated var service_level_abandon_mode: negative (default), ignore or positive. #}
{% macro service_level_abandon_mode() -%}
    {%- set mode = var('service_level_abandon_mode') | string | trim | lower -%}
    {%- if mode not in ('negative', 'ignore', 'positive') -%}
        {{ exceptions.raise_compiler_error(
            "var service_level_abandon_mode must be negative, ignore or positive, got '"
            ~ var('service_level_abandon_mode') ~ "'") }}
    {%- endif -%}
    {{ return(mode) }}
{%- endmacro %}

{# A var that must be a whole number of at least `minimum`, as an int; a clear compiler error otherwise. #}
{% macro whole_number_var(name, minimum=0) -%}
    {%- set value = var(name) -%}
    {%- set text = value | string | trim -%}
    {%- if value is sameas true or value is sameas false or not text.isdigit() or (text | int) < minimum -%}
        {{ exceptions.raise_compiler_error(
            "var " ~ name ~ " must be a whole number of at least " ~ minimum ~ ", got '" ~ value ~ "'") }}
    {%- endif -%}
    {{ return(text | int) }}
{%- endmacro %}

{# A var that must be a number in a range (`low` < or <= value < or <= `high`), as a float. #}
{% macro fraction_var(name, low, high, low_included=true) -%}
    {%- set value = var(name) -%}
    {%- set number = value | string | trim | float(none) if value is not number else value -%}
    {%- if number is none or value is sameas true or value is sameas false
        or number > high or number == high or number < low or (number == low and not low_included) -%}
        {{ exceptions.raise_compiler_error(
            "var " ~ name ~ " must be a number " ~ ("from " if low_included else "above ") ~ low
            ~ " and below " ~ high ~ ", got '" ~ value ~ "'") }}
    {%- endif -%}
    {{ return(number) }}
{%- endmacro %}

{# The validated var interval_minutes: a whole number of minutes that divides a day (1440). #}
{% macro interval_minutes() -%}
    {%- set minutes = whole_number_var('interval_minutes', 1) -%}
    {%- if 1440 % minutes != 0 -%}
        {{ exceptions.raise_compiler_error(
            "var interval_minutes must divide a day (1440 minutes), e.g. 15, 30 or 60; got " ~ minutes) }}
    {%- endif -%}
    {{ return(minutes) }}
{%- endmacro %}

{#
  A short abandon (kpis.md): an abandon whose ended_at - offered_at is strictly shorter than
  short_abandon_seconds. Without ended_at it is not known to be short and stays.
#}
{% macro is_short_abandon(prefix='') -%}
    ({{ prefix }}outcome = 'abandoned' and coalesce({{ prefix }}call_seconds < {{ var('short_abandon_seconds') }}, false))
{%- endmacro %}

{#
  A short answer (the ACDs' "short call"): an answered call whose ended_at - answered_at is strictly shorter
  than short_answer_seconds; 0 = none. Without ended_at it is not short. Short answers leave service_level,
  answer_rate and marts.call_intervals; every other KPI keeps them.
#}
{% macro is_short_answer(prefix='') -%}
    {%- set seconds = whole_number_var('short_answer_seconds') -%}
    {%- if seconds == 0 -%}
        false
    {%- else -%}
        ({{ prefix }}outcome = 'answered'
            and coalesce({{ seconds_between(prefix ~ 'answered_at', prefix ~ 'ended_at') }} < {{ seconds }}, false))
    {%- endif -%}
{%- endmacro %}

{#
  1 when service level counts the call (its denominator), else 0: answered calls that are not short answers,
  and abandons that are not short unless service_level_abandon_mode is ignore. Blocked calls never count.
#}
{% macro service_level_counted(prefix='') -%}
    case
        when {{ prefix }}outcome = 'answered' and not {{ is_short_answer(prefix) }} then 1
        {%- if service_level_abandon_mode() != 'ignore' %}
        when {{ prefix }}outcome = 'abandoned' and not {{ is_short_abandon(prefix) }} then 1
        {%- endif %}
        else 0
    end
{%- endmacro %}

{#
  1 when a counted call meets the level (the numerator), else 0: answered within service_level_seconds of
  offered_at (on the threshold counts); in positive mode also an abandon (not short) that ended within
  service_level_seconds of offered_at (an abandon without ended_at does not).
#}
{% macro service_level_met(prefix='') -%}
    {%- set threshold = var('service_level_seconds') -%}
    case
        when {{ prefix }}outcome = 'answered' and not {{ is_short_answer(prefix) }}
            and {{ prefix }}answer_seconds <= {{ threshold }} then 1
        {%- if service_level_abandon_mode() == 'positive' %}
        when {{ prefix }}outcome = 'abandoned' and not {{ is_short_abandon(prefix) }}
            and {{ prefix }}call_seconds <= {{ threshold }} then 1
        {%- endif %}
        else 0
    end
{%- endmacro %}
