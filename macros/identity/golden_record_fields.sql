{#-
    The golden-record fields and, for each, the expression over a customer record
    (stg_crm__customer_records columns, qualified with `alias` when given) that gives its candidate value,
    as text. 'address' moves street, city, postcode and country together: its value is non-null when the
    record has any of them. int_identity__field_survivorship ranks these values across a customer's
    records; dim_customers takes them straight from the record for customers with one record.
-#}
{% macro golden_record_fields(alias=none) -%}
    {%- set p = alias ~ '.' if alias else '' -%}
    {{ return({
        'first_name': p ~ 'first_name',
        'last_name': p ~ 'last_name',
        'email': p ~ 'email',
        'phone_e164': p ~ 'phone_e164',
        'date_of_birth': 'cast(' ~ p ~ 'date_of_birth as ' ~ dbt.type_string() ~ ')',
        'account_id': p ~ 'account_id',
        'address': 'case when coalesce(' ~ p ~ 'street, ' ~ p ~ 'city, ' ~ p ~ 'postcode) is not null then '
            ~ 'concat_ws(\', \', ' ~ p ~ 'street, ' ~ p ~ 'city, ' ~ p ~ 'postcode, ' ~ p ~ 'country) end',
        'last_purchase_date': 'cast(' ~ try_parse_date(json_get_text(p ~ 'raw_attributes', '$.last_purchase_date'))
            ~ ' as ' ~ dbt.type_string() ~ ')',
    }) }}
{%- endmacro %}
