{#
  The tables dbt reads that a run writes outside dbt: the raw sources (ingestion) and the refresh
  window (changes.refresh_window). On DuckDB they are tables of the work database dbt builds in. On
  Spark the run hands them over as Parquet, one folder per table under `<kpi_spark_dir>/landed/<schema>/`
  (dagster_kpi/engines.py), and this hook, run before anything is built, registers each as an external table
  of that schema. Registering again is cheap (no data moves), so a changed set of columns is always picked up.
#}
{% macro register_landed_tables() -%}
    {{ return(adapter.dispatch('register_landed_tables', 'dagster_kpi')()) }}
{%- endmacro %}

{% macro default__register_landed_tables() -%}
{%- endmacro %}

{% macro spark__register_landed_tables() -%}
    {%- if execute -%}
        {#- Beside the session's warehouse folder, which Spark has made absolute (a relative location is not read
            from the working folder). -#}
        {%- set warehouse = run_query('set spark.sql.warehouse.dir').columns[1].values()[0] -%}
        {%- set root = warehouse.rstrip('/').rsplit('/', 1)[0] ~ '/landed' -%}
        {%- set tables = [('changes', 'refresh_window')] -%}
        {%- for node in graph.sources.values() -%}
            {%- do tables.append((node.schema, node.identifier)) -%}
        {%- endfor -%}
        {%- for schema in tables | map(attribute=0) | unique -%}
            {%- do run_query('create database if not exists ' ~ schema) -%}
        {%- endfor -%}
        {%- for schema, identifier in tables -%}
            {%- do run_query('drop table if exists ' ~ schema ~ '.' ~ identifier) -%}
            {%- do run_query('create table ' ~ schema ~ '.' ~ identifier ~ " using parquet location '" ~ root ~ '/' ~ schema ~ '/' ~ identifier ~ "'") -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}

{#
  Seeds on Spark: dbt-spark's session connection puts each value into the statement as '<value>' without
  escaping it, so seed text with an apostrophe (the catalogue's "callback's") breaks the statement. The
  rows are written here as escaped literals instead, cast to the seed's column types as dbt-spark does.
#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set batch_size = get_batch_size() -%}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set types = [] -%}
    {%- for col_name in agate_table.column_names -%}
        {%- do types.append(column_override.get(col_name, adapter.convert_type(agate_table, loop.index0))) -%}
    {%- endfor -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(batch_size) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for value in row -%}
                    cast({{ spark_literal(value) }} as {{ types[loop.index0] }})
                    {%- if not loop.last %}, {% endif -%}
                {%- endfor -%})
                {%- if not loop.last %},{% endif %}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.index0 == 0 -%}
            {%- do statements.append(sql) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements[0]) }}
{% endmacro %}

{#- A Spark SQL literal of a seed value: NULL, a number, a boolean, or quoted text with \ and ' escaped. -#}
{% macro spark_literal(value) -%}
    {%- if value is none -%}
        null
    {%- elif value is sameas true or value is sameas false -%}
        {{ 'true' if value else 'false' }}
    {%- elif value is number -%}
        {{ value }}
    {%- else -%}
        '{{ (value | string).replace("\\", "\\\\").replace("'", "\\'") }}'
    {%- endif -%}
{%- endmacro %}
