"""Costs are need-to-know: who may see what the stock cost and what sales earned.

Average cost, stock value, cost of goods sold, gross profit and margin, a product's cost
price, the cost of goods in transit or back from customers: all show only to users with
``products.view_costs`` (Managers; Clerks do not have it). Templates ask
``perms.products.view_costs``; views, exports and JSON answers ask :func:`sees_costs`
and leave such columns out (not blank) for the others.

A purchase's and a purchase order's own line costs are not hidden: whoever records a
purchase types the supplier's price, and every role that sees purchases may record them.
"""

VIEW_COSTS = "products.view_costs"


def sees_costs(user) -> bool:
    """Whether ``user`` may see costs, margins and stock value.

    Django's ModelBackend reads a user's permissions once and keeps them on the user
    object, so after the view's own permission check this runs no query.
    """
    return user.has_perm(VIEW_COSTS)
