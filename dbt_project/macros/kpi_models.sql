{#
  Rendered from the dbt graph by dagster_kpi.dbt_kpis; do not edit.
  Regenerate: python -m dagster_kpi.dbt_kpis

  The measured KPI models, one kpi_<kpi_code> each: every model tagged `kpi`
  (models/metrics/, see dbt_project.yml); kpi_percentile_models(): those also
  tagged `percentile`, published with their value only. A macro that read the
  tags from `graph` would see an empty graph while dbt parses, and the models
  calling it would get no ref() dependencies.
#}
{% macro kpi_models() %}
{{ return([
    'kpi_abandonment_rate',
    'kpi_absent_days',
    'kpi_answer_rate',
    'kpi_attendance_rate',
    'kpi_avg_handle_seconds',
    'kpi_avg_resolution_hours',
    'kpi_avg_speed_of_answer_seconds',
    'kpi_avg_talk_seconds',
    'kpi_big_client_callback_count',
    'kpi_big_client_churn_count',
    'kpi_big_client_churn_rate',
    'kpi_business_plan_completion_rate',
    'kpi_call_volume',
    'kpi_callback_quota_completion_rate',
    'kpi_callback_rate',
    'kpi_collaboration_satisfaction',
    'kpi_complaint_rate',
    'kpi_complaint_resolution_hours',
    'kpi_complaint_resolution_satisfaction_rate',
    'kpi_csat_satisfied_rate',
    'kpi_csat_score',
    'kpi_deduction_points',
    'kpi_exam_avg_score',
    'kpi_facility_intact_rate',
    'kpi_fcr_rate',
    'kpi_fee_collection_rate',
    'kpi_feedback_timeliness_rate',
    'kpi_fine_amount',
    'kpi_first_response_minutes',
    'kpi_first_response_minutes_p50',
    'kpi_first_response_minutes_p90',
    'kpi_handled_calls',
    'kpi_handled_tickets',
    'kpi_info_transfer_timeliness_rate',
    'kpi_late_early_count',
    'kpi_leave_days',
    'kpi_major_complaint_count',
    'kpi_non_call_processing_rate',
    'kpi_nps',
    'kpi_outbound_call_rate',
    'kpi_process_improvement_completion_rate',
    'kpi_qa_avg_score',
    'kpi_rating_score',
    'kpi_repeat_issue_rate',
    'kpi_report_issue_count',
    'kpi_resolution_hours_p50',
    'kpi_resolution_hours_p90',
    'kpi_service_cost_budget_rate',
    'kpi_service_level',
    'kpi_shift_swap_count',
    'kpi_sla_attainment_rate',
    'kpi_speed_of_answer_seconds_p90',
    'kpi_staff_turnover_rate',
    'kpi_survey_plan_completion_rate',
    'kpi_talk_seconds_p50',
    'kpi_transfer_rate',
    'kpi_violations_appearance',
    'kpi_violations_attitude',
    'kpi_violations_building',
    'kpi_violations_discipline',
    'kpi_violations_facility',
    'kpi_violations_other',
    'kpi_violations_service',
]) }}
{% endmacro %}

{% macro kpi_percentile_models() %}
{{ return([
    'kpi_first_response_minutes_p50',
    'kpi_first_response_minutes_p90',
    'kpi_resolution_hours_p50',
    'kpi_resolution_hours_p90',
    'kpi_speed_of_answer_seconds_p90',
    'kpi_talk_seconds_p50',
]) }}
{% endmacro %}
