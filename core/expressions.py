"""Query expressions the ORM does not offer."""

from django.db.models import F
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
