{#-
    A deterministic, RFC 4122-shaped UUID from a 32-character hex digest (e.g. md5_hex of a namespaced
    natural key): 8-4-4-4-12 with the version nibble set to 3 (name-based, MD5) and the variant to 8.
    The same key always gives the same id, which is what makes a re-sent entity idempotent.
    exporter tests recompute it in Python: uuid_from_hex(md5('cx-analytics:journey-event:' + request_id)).
-#}
{% macro uuid_from_hex(hex_expr) -%}
    substr({{ hex_expr }}, 1, 8) || '-' || substr({{ hex_expr }}, 9, 4) || '-3' || substr({{ hex_expr }}, 14, 3)
    || '-8' || substr({{ hex_expr }}, 18, 3) || '-' || substr({{ hex_expr }}, 21, 12)
{%- endmacro %}
