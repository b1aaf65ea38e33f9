"""dagster-kpi: a customer-service KPI warehouse."""
