"""``{% load dashboard_charts %}``: the dashboard's SVG charts (see dashboard.charts)."""

from django import template

from dashboard import charts

register = template.Library()


@register.simple_tag
def value_chart_svg(chart: dict, step: str) -> str:
    return charts.value_chart_svg(chart, step)


@register.simple_tag
def ranking_chart_svg(chart: dict) -> str:
    return charts.ranking_chart_svg(chart)
