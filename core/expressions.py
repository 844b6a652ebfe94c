"""Query expressions the ORM does not offer."""

from django.db.models import F, Func, IntegerField
from django.db.models.constants import LOOKUP_SEP


class JoinedColumn(F):
    """A column of a related table, read from the joined table itself.

    ``F("product__id")`` compiles to the foreign key (``stocklevel.product_id``):
    the same value, but SQLite only walks an index of the joined table to
    satisfy an ORDER BY whose terms all come from that table. Ordering stock rows
    by ``product__name, JoinedColumn("product__id")`` lets it read products in
    name order and stop after a page, where ``product__name, product_id`` makes
    it sort every row first.
    """

    def resolve_expression(
        self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False
    ):
        # What F does, less Query.trim_joins (which drops the last join for a key).
        path = self.name.split(LOOKUP_SEP)
        join = query.setup_joins(path, query.get_meta(), query.get_initial_alias(), can_reuse=reuse)
        return join.transform_function(join.targets[0], join.joins[-1])


class OncePerGroup(Func):
    """An expression of a grouped row's key, computed once per group and not grouped by.

    Django adds every annotation without an aggregate to the GROUP BY, so a
    correlated subquery of the key (what came back of the row's product, say)
    becomes a grouping term: the database computes it for every row of every
    group, not once for each group's result. Wrapped in this, it stays in the
    select list only, which SQL allows when it reads grouped columns alone
    (``GroupKey`` below makes sure it does on every database).
    """

    template = "%(expressions)s"
    arity = 1

    def get_group_by_cols(self):
        return []


class GroupKey(Func):
    """A column to group by, as an expression on SQLite: ``product_id + 0``.

    Grouping by the bare column, SQLite walks the rows in that column's index
    order, one random row read each (seconds over a million sale lines); the
    expression makes it scan the rows it selected and group them in a temporary
    tree. Elsewhere the column itself, so the other select terms may read it
    (PostgreSQL refuses an outer column in a subquery unless it is grouped as
    such, not inside an expression).
    """

    template = "%(expressions)s"
    arity = 1
    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="(%(expressions)s + 0)", **extra_context)


class RowCount(Func):
    """How many rows the query returns (before its slice), on each of them: ``COUNT(*)``,
    to use in ``Window(RowCount())``, so that a page's rows carry the count of all rows
    (see :class:`core.crud.PageCountedPaginator`). In a grouped query it counts the groups."""

    template = "COUNT(*)"
    window_compatible = True
    output_field = IntegerField()
