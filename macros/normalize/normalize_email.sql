{#-
    Trim (any white space) and lower-case an email; null when it is not shaped like one.
    With var('normalize_gmail_dots') true, Gmail addresses also lose dots and '+tags' in the local part
    (j.o.e+news@gmail.com → joe@gmail.com), since Gmail delivers those to the same mailbox.
-#}
{% macro normalize_email(expr) -%}
    {%- set cleaned = "lower(" ~ trim_to_null(expr) ~ ")" -%}
    case
        when {{ regex_matches(cleaned, '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$') }} then
        {%- if var('normalize_gmail_dots') %}
            case
                when split_part({{ cleaned }}, '@', 2) in ('gmail.com', 'googlemail.com')
                    then replace(split_part(split_part({{ cleaned }}, '@', 1), '+', 1), '.', '') || '@gmail.com'
                else {{ cleaned }}
            end
        {%- else %}
            {{ cleaned }}
        {%- endif %}
    end
{%- endmacro %}
