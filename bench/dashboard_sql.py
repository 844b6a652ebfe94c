"""The all-time dashboard's numbers from one hand-written SQL statement.

The yardstick for the dashboard page: the same figures the page shows for
``?period=all`` (record counts, sold and purchased totals, stock value per
store, the monthly chart, the top ten products, what needs attention, the
latest documents), computed by the database in one statement, with no ORM,
no template and no HTTP. Two versions: history recomputed from every line,
and history read from the running totals the app keeps, as the page does.

Sales are valued net of tax (each line's ``net_amount``), as the page shows them.
Only the month expression differs between SQLite and PostgreSQL.
"""

import statistics
import time

MONTH = {
    "sqlite": "strftime('%Y-%m', d.date)",
    "postgres": "to_char(d.date, 'YYYY-MM')",
}

# What the dashboard shows about history, recomputed from every sale and
# purchase line: the ``sold`` and ``bought`` CTEs read each line table once,
# grouped by month and product, and the sections below derive from them.
FROM_LINES = {
    "ctes": """
sold AS (
    SELECT {month} AS month, l.product_id,
           SUM(l.quantity) AS units,
           SUM(l.net_amount) AS value,
           SUM(l.quantity * l.unit_cost) AS cost
    FROM sales_saleline l JOIN sales_sale d ON d.id = l.sale_id
    WHERE d.voided_at IS NULL
    GROUP BY 1, 2
), bought AS (
    SELECT {month} AS month, SUM(l.quantity) AS units, SUM(l.quantity * l.unit_cost) AS value
    FROM purchases_purchaseline l JOIN purchases_purchase d ON d.id = l.purchase_id
    WHERE d.voided_at IS NULL
    GROUP BY 1
),""",
    "sections": """
SELECT 'sold' AS section, NULL AS k, SUM(units) AS a, SUM(value) AS b, SUM(cost) AS c FROM sold
UNION ALL SELECT 'purchased', NULL, SUM(units), SUM(value), {n} FROM bought
UNION ALL SELECT 'chart-sales', month, SUM(value), {n}, {n} FROM sold GROUP BY month
UNION ALL SELECT 'chart-purchases', month, value, {n}, {n} FROM bought
UNION ALL SELECT * FROM (
    SELECT 'top', CAST(s.product_id AS TEXT), SUM(s.units), SUM(s.value), {n}
    FROM sold s GROUP BY s.product_id ORDER BY SUM(s.value) DESC, s.product_id LIMIT 10
) top""",
}

# The same numbers from the running totals the app keeps (one row per day,
# one per product), as the dashboard now reads them: the like-for-like yardstick.
FROM_TOTALS = {
    "ctes": "",
    "sections": """
SELECT 'sold' AS section, NULL AS k, SUM(units) AS a, SUM(value) AS b, SUM(cost) AS c
    FROM sales_saleday
UNION ALL SELECT 'purchased', NULL, SUM(units), SUM(value), {n} FROM purchases_purchaseday
UNION ALL SELECT 'chart-sales', {day_month}, SUM(value), {n}, {n} FROM sales_saleday
    GROUP BY {day_month}
UNION ALL SELECT 'chart-purchases', {day_month}, SUM(value), {n}, {n}
    FROM purchases_purchaseday GROUP BY {day_month}
UNION ALL SELECT * FROM (
    SELECT 'top', CAST(product_id AS TEXT), units, value, {n}
    FROM sales_productsales WHERE units > 0 ORDER BY value DESC, product_id LIMIT 10
) top""",
}

# What does not depend on history: counts, stock now, what needs attention
# and the five latest documents.
PRESENT = {
    "ctes": """
on_hand AS (
    SELECT product_id, SUM(quantity) AS units FROM products_stocklevel GROUP BY product_id
), latest_sales AS (
    SELECT id FROM sales_sale WHERE voided_at IS NULL ORDER BY date DESC, id DESC LIMIT 5
), latest_purchases AS (
    SELECT id FROM purchases_purchase WHERE voided_at IS NULL ORDER BY date DESC, id DESC LIMIT 5
)""",
    "sections": """
UNION ALL SELECT 'count', 'stores', COUNT(*), {n}, {n} FROM stores_store WHERE is_active
UNION ALL SELECT 'count', 'categories', COUNT(*), {n}, {n} FROM products_category WHERE is_active
UNION ALL SELECT 'count', 'products', COUNT(*), {n}, {n} FROM products_product WHERE is_active
UNION ALL SELECT 'count', 'customers', COUNT(*), {n}, {n} FROM people_customer WHERE is_active
UNION ALL SELECT 'count', 'suppliers', COUNT(*), {n}, {n} FROM people_supplier WHERE is_active
UNION ALL SELECT 'stock', CAST(s.store_id AS TEXT), SUM(s.quantity),
    SUM(s.quantity * p.average_cost), {n}
    FROM products_stocklevel s JOIN products_product p ON p.id = s.product_id
    WHERE s.quantity > 0 GROUP BY s.store_id
UNION ALL SELECT 'attention-per-store', NULL, COUNT(*), {n}, {n}
    FROM products_stocklevel s
    JOIN products_product p ON p.id = s.product_id
    JOIN stores_store st ON st.id = s.store_id
    WHERE p.is_active AND st.is_active AND s.quantity <= p.reorder_level
UNION ALL SELECT * FROM (
    SELECT 'attention-per-store-row', CAST(s.id AS TEXT), s.quantity, {n}, {n}
    FROM products_stocklevel s
    JOIN products_product p ON p.id = s.product_id
    JOIN stores_store st ON st.id = s.store_id
    WHERE p.is_active AND st.is_active AND s.quantity <= p.reorder_level
    ORDER BY s.quantity, p.name, s.id LIMIT 10
) attention_per_store
UNION ALL SELECT 'attention-total', NULL, COUNT(*), {n}, {n}
    FROM products_product p LEFT JOIN on_hand h ON h.product_id = p.id
    WHERE p.is_active AND COALESCE(h.units, 0) <= p.reorder_level
UNION ALL SELECT * FROM (
    SELECT 'attention-total-row', CAST(p.id AS TEXT), COALESCE(h.units, 0), {n}, {n}
    FROM products_product p LEFT JOIN on_hand h ON h.product_id = p.id
    WHERE p.is_active AND COALESCE(h.units, 0) <= p.reorder_level
    ORDER BY COALESCE(h.units, 0), p.name, p.id LIMIT 10
) attention_total
UNION ALL SELECT 'latest-sale', CAST(l.sale_id AS TEXT), SUM(l.net_amount), {n}, {n}
    FROM sales_saleline l WHERE l.sale_id IN (SELECT id FROM latest_sales) GROUP BY l.sale_id
UNION ALL SELECT 'latest-purchase', CAST(l.purchase_id AS TEXT),
    SUM(l.quantity * l.unit_cost), {n}, {n}
    FROM purchases_purchaseline l WHERE l.purchase_id IN (SELECT id FROM latest_purchases)
    GROUP BY l.purchase_id""",
}

DAY_MONTH = {"sqlite": "strftime('%Y-%m', date)", "postgres": "to_char(date, 'YYYY-MM')"}
SOURCES = {"lines": FROM_LINES, "totals": FROM_TOTALS}


def dashboard_sql(vendor: str, source: str = "lines") -> str:
    """The statement, reading history from every ``lines`` or from the running ``totals``."""
    history = SOURCES[source]
    sql = "WITH " + history["ctes"] + PRESENT["ctes"] + history["sections"] + PRESENT["sections"]
    # PostgreSQL types a bare NULL as text, which no UNION with numbers accepts.
    return sql.format(month=MONTH[vendor], day_month=DAY_MONTH[vendor], n="CAST(NULL AS NUMERIC)")


def connect(vendor: str, target: str):
    """A DB-API connection: ``target`` is a SQLite path or a PostgreSQL URL."""
    if vendor == "sqlite":
        import sqlite3

        return sqlite3.connect(target)
    import psycopg

    return psycopg.connect(target, autocommit=True)


def time_dashboard_sql(vendor: str, target: str, repeat: int, source: str = "lines") -> dict:
    """Run the statement ``repeat`` times (after one warm-up); times in milliseconds."""
    sql = dashboard_sql(vendor, source)
    connection = connect(vendor, target)
    try:
        rows = connection.execute(sql).fetchall()
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            connection.execute(sql).fetchall()
            times.append((time.perf_counter() - started) * 1000)
    finally:
        connection.close()
    return {
        "rows": len(rows),
        "median_ms": statistics.median(times),
        "min_ms": min(times),
        "max_ms": max(times),
        "runs": repeat,
    }
