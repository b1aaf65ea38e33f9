{#
  Service-level policies (seeds/sla_policies.csv): the run's as-of time and an event's status.
#}

{#- The run's as-of time as a TIMESTAMP literal (naive local wall-clock): the var as_of when given
    ('YYYY-MM-DD HH:MM[:SS]', a 'T' separator accepted, or 'YYYY-MM-DD' for its midnight), else the run's start
    (dbt's run_started_at, UTC) read in the var timezone. Rendered once per model, so one run's models agree; the
    vars stay the same from run to run. -#}
{% macro as_of_time() -%}
    {%- set given = var('as_of', none) -%}
    {%- if given is none or (given | string | trim) == '' -%}
        {%- set text = run_started_at.astimezone(modules.pytz.timezone(var('timezone'))).strftime('%Y-%m-%d %H:%M:%S') -%}
    {%- else -%}
        {%- set text = given | string | trim | replace('T', ' ') -%}
        {%- set parts = modules.re.fullmatch('(\\d{4}-\\d{2}-\\d{2})(?: (\\d{2}:\\d{2})(:\\d{2})?)?', text) -%}
        {%- if not parts -%}
            {{ exceptions.raise_compiler_error("var as_of must be 'YYYY-MM-DD HH:MM:SS' (local time), got '" ~ given ~ "'") }}
        {%- endif -%}
        {%- set text = parts.group(1) ~ ' ' ~ (parts.group(2) or '00:00') ~ (parts.group(3) or ':00') -%}
    {%- endif -%}
    cast('{{ text }}' as timestamp)
{%- endmacro %}

{#- An SLA event's status: achieved (achieved_at at or before target_at), breached (achieved late, or not achieved
    and target_at at or before the as-of time), open (not achieved, target still ahead). -#}
{% macro sla_status(achieved_at, target_at) -%}
    case
        when {{ achieved_at }} is not null and {{ achieved_at }} <= {{ target_at }} then 'achieved'
        when {{ achieved_at }} is not null or {{ target_at }} <= {{ as_of_time() }} then 'breached'
        else 'open'
    end
{%- endmacro %}
