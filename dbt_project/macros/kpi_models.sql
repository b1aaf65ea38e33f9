{#
  The implemented KPIs: one model kpi_<kpi_code> each, listed once here.
  Adding a KPI = its model under models/metrics/<concern>/ + one entry here
  (its catalogue row in seeds/kpi_catalog.csv already exists).
#}
{% macro kpi_models() %}
{{ return([
    'kpi_answer_rate',
    'kpi_big_client_callback_count',
    'kpi_big_client_churn_count',
    'kpi_big_client_churn_rate',
    'kpi_callback_rate',
    'kpi_complaint_resolution_hours',
    'kpi_complaint_resolution_satisfaction_rate',
    'kpi_csat_score',
]) }}
{% endmacro %}
