{#-
    True when the text is a Genesys Cloud object id (a UUID). Ids that reach an API path (export marts)
    must pass it: a landed id such as 'x/../../users/me' must never steer a request.
-#}
{% macro is_genesys_id(expr) -%}
    coalesce({{ regex_matches(expr, '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$') }}, false)
{%- endmacro %}
