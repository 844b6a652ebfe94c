"""The all-time dashboard's numbers from one hand-written SQL statement.

The yardstick for the dashboard page: the same figures the page shows for
``?period=all`` (record counts, sold and purchased totals, stock value per
store, the monthly chart, the top ten products, what needs attention, the
latest documents), computed by the database in one statement, with no ORM,
no template and no HTTP. Sale and purchase lines are each read once (the
``sold`` and ``bought`` CTEs, grouped by month and product); everything about
history is derived from those two aggregates.

Only the month expression differs between SQLite and PostgreSQL.
"""

import statistics
import time

MONTH = {
    "sqlite": "strftime('%Y-%m', d.date)",
    "postgres": "to_char(d.date, 'YYYY-MM')",
}

DASHBOARD_SQL = """
WITH sold AS (
    SELECT {month} AS month, l.product_id,
           SUM(l.quantity) AS units,
           SUM(l.quantity * l.unit_price) AS value,
           SUM(l.quantity * l.unit_cost) AS cost
    FROM sales_saleline l JOIN sales_sale d ON d.id = l.sale_id
    WHERE d.voided_at IS NULL
    GROUP BY 1, 2
), bought AS (
    SELECT {month} AS month, SUM(l.quantity) AS units, SUM(l.quantity * l.unit_cost) AS value
    FROM purchases_purchaseline l JOIN purchases_purchase d ON d.id = l.purchase_id
    WHERE d.voided_at IS NULL
    GROUP BY 1
), on_hand AS (
    SELECT product_id, SUM(quantity) AS units FROM products_stocklevel GROUP BY product_id
), latest_sales AS (
    SELECT id FROM sales_sale WHERE voided_at IS NULL ORDER BY date DESC, id DESC LIMIT 5
), latest_purchases AS (
    SELECT id FROM purchases_purchase WHERE voided_at IS NULL ORDER BY date DESC, id DESC LIMIT 5
)
SELECT 'count' AS section, 'stores' AS k, CAST(COUNT(*) AS NUMERIC) AS a,
    {n} AS b, {n} AS c
    FROM stores_store WHERE is_active
UNION ALL SELECT 'count', 'categories', COUNT(*), {n}, {n} FROM products_category WHERE is_active
UNION ALL SELECT 'count', 'products', COUNT(*), {n}, {n} FROM products_product WHERE is_active
UNION ALL SELECT 'count', 'customers', COUNT(*), {n}, {n} FROM people_customer WHERE is_active
UNION ALL SELECT 'count', 'suppliers', COUNT(*), {n}, {n} FROM people_supplier WHERE is_active
UNION ALL SELECT 'sold', NULL, SUM(units), SUM(value), SUM(cost) FROM sold
UNION ALL SELECT 'purchased', NULL, SUM(units), SUM(value), {n} FROM bought
UNION ALL SELECT 'chart-sales', month, SUM(value), {n}, {n} FROM sold GROUP BY month
UNION ALL SELECT 'chart-purchases', month, value, {n}, {n} FROM bought
UNION ALL SELECT * FROM (
    SELECT 'top', CAST(s.product_id AS TEXT), SUM(s.units), SUM(s.value), {n}
    FROM sold s GROUP BY s.product_id ORDER BY SUM(s.value) DESC, s.product_id LIMIT 10
) top
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
UNION ALL SELECT 'latest-sale', CAST(l.sale_id AS TEXT), SUM(l.quantity * l.unit_price), {n}, {n}
    FROM sales_saleline l WHERE l.sale_id IN (SELECT id FROM latest_sales) GROUP BY l.sale_id
UNION ALL SELECT 'latest-purchase', CAST(l.purchase_id AS TEXT),
    SUM(l.quantity * l.unit_cost), {n}, {n}
    FROM purchases_purchaseline l WHERE l.purchase_id IN (SELECT id FROM latest_purchases)
    GROUP BY l.purchase_id
"""


def dashboard_sql(vendor: str) -> str:
    # PostgreSQL types a bare NULL as text, which no UNION with numbers accepts.
    return DASHBOARD_SQL.format(month=MONTH[vendor], n="CAST(NULL AS NUMERIC)")


def connect(vendor: str, target: str):
    """A DB-API connection: ``target`` is a SQLite path or a PostgreSQL URL."""
    if vendor == "sqlite":
        import sqlite3

        return sqlite3.connect(target)
    import psycopg

    return psycopg.connect(target, autocommit=True)


def time_dashboard_sql(vendor: str, target: str, repeat: int) -> dict:
    """Run the statement ``repeat`` times (after one warm-up); times in milliseconds."""
    sql = dashboard_sql(vendor)
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
