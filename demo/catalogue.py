"""The demo business behind ``manage.py seed_demo``: a chain of hardware stores.

Plain data and deterministic generators only (no database access), so the
same ``random.Random(seed)`` always yields the same catalogue.
"""

import itertools
import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


@dataclass(frozen=True)
class DemoSize:
    """How much a demo data set holds."""

    stores: int
    categories: int
    suppliers: int
    customers: int
    products: int
    days: int
    purchases: int = 0
    purchase_lines: int = 0
    sales: int = 0
    sale_lines: int = 0


# ``small`` is written through the real services, so its document counts come
# from the trading simulation rather than from fixed targets.
SIZES = {
    "small": DemoSize(stores=3, categories=6, suppliers=8, customers=20, products=50, days=120),
    "medium": DemoSize(
        stores=5,
        categories=12,
        suppliers=24,
        customers=400,
        products=2_000,
        days=2 * 365,
        purchases=5_000,
        purchase_lines=25_000,
        sales=20_000,
        sale_lines=100_000,
    ),
    "large": DemoSize(
        stores=10,
        categories=12,
        suppliers=60,
        customers=2_000,
        products=20_000,
        days=3 * 365,
        purchases=50_000,
        purchase_lines=250_000,
        sales=200_000,
        sale_lines=1_000_000,
    ),
}

# (name, code, address, phone). The codes also mark that demo data exists.
STORES = [
    ("Main Street", "MAIN", "12 Main Street, Springfield", "+1 555 201 0101"),
    ("Harbour Warehouse", "HARBOUR", "Unit 4, Harbour Industrial Estate", "+1 555 201 0102"),
    ("Northgate", "NORTH", "Northgate Retail Park, Unit 17", "+1 555 201 0103"),
    ("Riverside", "RIVER", "3 Mill Lane, Riverside", "+1 555 201 0104"),
    ("Westfield Trade Centre", "WEST", "Westfield Trade Centre, Bay 2", "+1 555 201 0105"),
    ("Eastgate", "EAST", "88 Eastgate Road", "+1 555 201 0106"),
    ("Old Town", "OLDTOWN", "5 Market Square, Old Town", "+1 555 201 0107"),
    ("Airport Park", "AIRPORT", "Airport Business Park, Hangar Road", "+1 555 201 0108"),
    ("Hillcrest", "HILL", "140 Hillcrest Avenue", "+1 555 201 0109"),
    ("Southbank Wharf", "SOUTH", "Southbank Wharf, Unit 9", "+1 555 201 0110"),
]
DEMO_STORE_CODES = [code for _, code, _, _ in STORES]

# (name, SKU prefix, description)
CATEGORIES = [
    ("Fasteners", "FAS", "Screws, bolts, nails, plugs and washers."),
    ("Hand Tools", "HND", "Hammers, spanners, saws, measuring and cutting tools."),
    ("Power Tools", "PWR", "Corded and cordless tools, batteries and accessories."),
    ("Electrical", "ELE", "Cable, sockets, switches and wiring accessories."),
    ("Plumbing", "PLB", "Pipe, fittings, taps and wastes."),
    ("Paint & Decorating", "PNT", "Paint, brushes, rollers and decorating sundries."),
    ("Garden", "GDN", "Garden tools, hoses and outdoor care."),
    ("Safety & Workwear", "SAF", "Gloves, eye and ear protection, boots and hi-vis."),
    ("Adhesives & Sealants", "ADH", "Glues, fillers, foams and sealants."),
    ("Timber & Sheet", "TMB", "Planed timber, mouldings and sheet materials."),
    ("Lighting", "LGT", "Lamps, fittings and outdoor lighting."),
    ("Storage & Shelving", "STO", "Boxes, racking, shelving and tool storage."),
]

# (name, percent): the sales tax rates, as products.models.TaxRate.
STANDARD_RATE = "VAT 20 %"
TAX_RATES = [(STANDARD_RATE, Decimal("20")), ("Reduced 5 %", Decimal("5")), ("Zero", Decimal("0"))]
# The categories not at the standard rate, so that every rate shows in the
# small data set too (its first six categories): energy-saving fittings at the
# reduced rate, and one untaxed category.
CATEGORY_TAX_RATES = {"Electrical": "Reduced 5 %", "Lighting": "Reduced 5 %", "Plumbing": "Zero"}

# (name, contact person, e-mail, phone, address)
SUPPLIERS = [
    (
        "Fixings Direct Ltd",
        "Sarah Whitfield",
        "orders@fixingsdirect.example.com",
        "+1 555 301 1001",
        "Unit 12, Canal Side Works, Leeds Road",
    ),
    (
        "Northern Tool Supply",
        "Mark Ellison",
        "sales@northerntool.example.com",
        "+1 555 301 1002",
        "45 Foundry Street, Sheffield Park",
    ),
    (
        "Precision Power Tools Co.",
        "Daniel Osei",
        "trade@precisionpower.example.com",
        "+1 555 301 1003",
        "Precision House, 7 Enterprise Way",
    ),
    (
        "Brightline Electrical Wholesale",
        "Aisha Khan",
        "counter@brightline.example.com",
        "+1 555 301 1004",
        "Brightline Depot, Station Approach",
    ),
    (
        "AquaFlow Plumbing Supplies",
        "Tom Reilly",
        "orders@aquaflow.example.com",
        "+1 555 301 1005",
        "2 Reservoir Road, Waterside",
    ),
    (
        "ColourCraft Paints",
        "Helen Marsh",
        "trade@colourcraft.example.com",
        "+1 555 301 1006",
        "ColourCraft Mill, Dyer's Lane",
    ),
    (
        "Summit Hardware Wholesale",
        "Greg Novak",
        "accounts@summithardware.example.com",
        "+1 555 301 1007",
        "Summit Distribution Centre, Junction 9",
    ),
    (
        "Westway Building Supplies",
        "Priya Desai",
        "sales@westway.example.com",
        "+1 555 301 1008",
        "Westway Yard, Brickfield Road",
    ),
]

# (name, e-mail, phone, address); the first is the till's default customer.
CUSTOMERS = [
    ("Walk-in Customer", "", "", ""),
    ("Hartley Building Services", "office@hartleybuild.example.com", "+1 555 401 2001", ""),
    ("J. Okafor Plumbing & Heating", "jokafor@example.net", "+1 555 401 2002", ""),
    ("Maple Lane Property Management", "maintenance@maplelane.example.com", "+1 555 401 2003", ""),
    ("Priya Raman", "priya.raman@example.org", "+1 555 401 2004", "14 Orchard Close"),
    ("Tomasz Nowak", "t.nowak@example.net", "+1 555 401 2005", "Flat 3, 27 Bridge Street"),
    ("Greenfield Primary School", "bursar@greenfield.example.org", "+1 555 401 2006", ""),
    ("Castle Joinery", "info@castlejoinery.example.com", "+1 555 401 2007", ""),
    ("Sophie Turner", "sophie.turner@example.com", "+1 555 401 2008", "9 Willow Way"),
    ("Brightspark Electrical Contractors", "jobs@brightspark.example.com", "+1 555 401 2009", ""),
    ("Ahmed Hassan", "ahmed.hassan@example.net", "+1 555 401 2010", "52 Park Road"),
    ("Riverside Lettings", "repairs@riversidelets.example.com", "+1 555 401 2011", ""),
    ("Lucy Chen", "lucy.chen@example.org", "+1 555 401 2012", "7 Station Mews"),
    ("Oakwood Landscapes", "hello@oakwoodland.example.com", "+1 555 401 2013", ""),
    ("Daniel Murphy", "dan.murphy@example.com", "+1 555 401 2014", "31 Church Lane"),
    ("Kowalski Decorators", "ewa@kowalskidecor.example.com", "+1 555 401 2015", ""),
    ("St Mary's Community Hall", "hall@stmarys.example.org", "+1 555 401 2016", ""),
    ("Grace Adeyemi", "grace.adeyemi@example.net", "+1 555 401 2017", "19 Mill Road"),
    ("Northside Facilities Ltd", "fm@northside.example.com", "+1 555 401 2018", ""),
    ("Ben Fletcher", "ben.fletcher@example.com", "+1 555 401 2019", "2 The Green"),
]


@dataclass(frozen=True)
class CatalogueProduct:
    sku: str
    name: str
    category: str
    supplier: str
    unit: str
    cost_price: Decimal
    sale_price: Decimal
    reorder_level: int
    description: str = ""


def _product(sku, name, category, supplier, unit, cost, price, reorder, description=""):
    return CatalogueProduct(
        sku, name, category, supplier, unit, Decimal(cost), Decimal(price), reorder, description
    )


FIXINGS, NORTHERN, POWER, BRIGHTLINE, AQUAFLOW, COLOURCRAFT, SUMMIT, WESTWAY = (
    supplier[0] for supplier in SUPPLIERS
)

# Hand-written products the supplier sells in packs: SKU -> (units per pack, what a pack is).
PACKS = {
    "ELE-401": (Decimal("50"), "reel"),
    "FAS-108": (Decimal("25"), "sack"),
}

# The small data set's catalogue, written by hand so the demo reads like a real shop.
PRODUCTS = [
    _product("FAS-101", "Wood Screws 4 x 40 mm (box of 200)", "Fasteners", FIXINGS, "box",
             "4.20", "7.99", 12, "Pozi countersunk, zinc plated."),
    _product("FAS-102", "Wood Screws 5 x 60 mm (box of 100)", "Fasteners", FIXINGS, "box",
             "4.80", "8.99", 10),
    _product("FAS-103", "Drywall Screws 3.5 x 35 mm (box of 500)", "Fasteners", FIXINGS, "box",
             "6.10", "10.99", 8),
    _product("FAS-104", "Wall Plugs Brown 7 mm (pack of 100)", "Fasteners", FIXINGS, "pack",
             "1.60", "3.49", 15),
    _product("FAS-105", "Hex Bolts M10 x 80 mm Zinc (pack of 10)", "Fasteners", SUMMIT, "pack",
             "3.20", "5.99", 8),
    _product("FAS-106", "Nylon Lock Nuts M8 (pack of 50)", "Fasteners", SUMMIT, "pack",
             "2.10", "4.29", 8),
    _product("FAS-107", "Coach Screws 8 x 100 mm (pack of 10)", "Fasteners", FIXINGS, "pack",
             "3.70", "6.79", 6),
    _product("FAS-108", "Round Wire Nails 75 mm", "Fasteners", FIXINGS, "kg",
             "3.10", "5.49", 10, "Bright steel, sold loose by weight."),
    _product("FAS-109", "Stainless Steel Washers M6 (pack of 100)", "Fasteners", SUMMIT, "pack",
             "2.40", "4.59", 6),
    _product("HND-201", "Claw Hammer 16 oz Fibreglass Handle", "Hand Tools", NORTHERN, "pcs",
             "7.80", "14.99", 5),
    _product("HND-202", "Tape Measure 8 m", "Hand Tools", NORTHERN, "pcs",
             "5.20", "9.99", 6),
    _product("HND-203", "Screwdriver Set 8-piece", "Hand Tools", NORTHERN, "pcs",
             "9.50", "17.99", 4),
    _product("HND-204", "Combination Spanner Set 12-piece Metric", "Hand Tools", NORTHERN, "pcs",
             "18.40", "32.99", 3),
    _product("HND-205", "Spirit Level 600 mm", "Hand Tools", SUMMIT, "pcs",
             "8.90", "15.99", 4),
    _product("HND-206", "Retractable Utility Knife", "Hand Tools", SUMMIT, "pcs",
             "2.60", "5.49", 8),
    _product("HND-207", "Hacksaw 300 mm", "Hand Tools", NORTHERN, "pcs",
             "6.30", "11.99", 4),
    _product("HND-208", "Adjustable Wrench 250 mm", "Hand Tools", NORTHERN, "pcs",
             "7.10", "12.99", 4),
    _product("HND-209", "Wood Chisel Set 4-piece", "Hand Tools", NORTHERN, "pcs",
             "11.80", "21.99", 3),
    _product("PWR-301", "Cordless Drill Driver 18 V", "Power Tools", POWER, "pcs",
             "54.00", "89.99", 3, "Two-speed gearbox, 13 mm keyless chuck. Body only."),
    _product("PWR-302", "Brushless Combi Drill 18 V", "Power Tools", POWER, "pcs",
             "82.00", "139.00", 2),
    _product("PWR-303", "Jigsaw 650 W", "Power Tools", POWER, "pcs",
             "38.50", "64.99", 2),
    _product("PWR-304", "Angle Grinder 115 mm 750 W", "Power Tools", POWER, "pcs",
             "29.90", "49.99", 3),
    _product("PWR-305", "Random Orbital Sander 125 mm", "Power Tools", POWER, "pcs",
             "34.00", "57.99", 2),
    _product("PWR-306", "Circular Saw 1400 W 190 mm", "Power Tools", POWER, "pcs",
             "61.00", "99.99", 2),
    _product("PWR-307", "Li-ion Battery 18 V 4.0 Ah", "Power Tools", POWER, "pcs",
             "31.00", "54.99", 4),
    _product("PWR-308", "HSS Drill Bit Set 19-piece", "Power Tools", SUMMIT, "pcs",
             "8.40", "15.99", 5),
    _product("ELE-401", "Twin & Earth Cable 2.5 mm²", "Electrical", BRIGHTLINE, "m",
             "0.62", "1.19", 100, "Cut to length from the drum."),
    _product("ELE-402", "Double Switched Socket, White", "Electrical", BRIGHTLINE, "pcs",
             "2.30", "4.49", 12),
    _product("ELE-403", "LED GU10 Bulb 5 W Warm White", "Electrical", BRIGHTLINE, "pcs",
             "1.40", "2.99", 20),
    _product("ELE-404", "Extension Lead 4-way 2 m", "Electrical", BRIGHTLINE, "pcs",
             "6.20", "11.99", 6),
    _product("ELE-405", "Light Switch 1-gang 2-way", "Electrical", BRIGHTLINE, "pcs",
             "1.10", "2.39", 12),
    _product("ELE-406", "Junction Box 30 A", "Electrical", BRIGHTLINE, "pcs",
             "1.30", "2.79", 10),
    _product("ELE-407", "Insulation Tape 19 mm (pack of 10)", "Electrical", SUMMIT, "pack",
             "3.00", "5.99", 6),
    _product("ELE-408", "Cable Ties 200 mm (pack of 100)", "Electrical", SUMMIT, "pack",
             "1.70", "3.49", 8),
    _product("PLB-501", "Copper Pipe 15 mm x 3 m", "Plumbing", AQUAFLOW, "pcs",
             "8.60", "14.99", 10),
    _product("PLB-502", "Compression Elbow 15 mm", "Plumbing", AQUAFLOW, "pcs",
             "1.20", "2.49", 20),
    _product("PLB-503", "PTFE Thread Seal Tape 12 m", "Plumbing", WESTWAY, "pcs",
             "0.35", "0.99", 25),
    _product("PLB-504", "Basin Mixer Tap, Chrome", "Plumbing", AQUAFLOW, "pcs",
             "24.00", "44.99", 2),
    _product("PLB-505", "Flexible Tap Connector 15 mm x 300 mm", "Plumbing", AQUAFLOW, "pcs",
             "2.90", "5.49", 8),
    _product("PLB-506", "Push-fit Straight Coupler 22 mm", "Plumbing", AQUAFLOW, "pcs",
             "1.60", "3.19", 12),
    _product("PLB-507", "Bottle Trap 40 mm", "Plumbing", WESTWAY, "pcs",
             "3.40", "6.49", 5),
    _product("PLB-508", "Silicone Sealant White 310 ml", "Plumbing", WESTWAY, "pcs",
             "2.80", "5.99", 12),
    _product("PNT-601", "Matt Emulsion Brilliant White 5 L", "Paint & Decorating", COLOURCRAFT,
             "pcs", "14.50", "26.99", 6),
    _product("PNT-602", "Satinwood Paint White 2.5 L", "Paint & Decorating", COLOURCRAFT, "pcs",
             "13.20", "24.99", 4),
    _product("PNT-603", "Masonry Paint Sandstone 10 L", "Paint & Decorating", COLOURCRAFT, "pcs",
             "22.00", "38.99", 3),
    _product("PNT-604", "Paint Brush Set 5-piece", "Paint & Decorating", COLOURCRAFT, "pcs",
             "4.60", "8.99", 6),
    _product("PNT-605", "Paint Roller Kit 9 inch", "Paint & Decorating", COLOURCRAFT, "pcs",
             "5.10", "9.49", 6),
    _product("PNT-606", "Decorators Caulk 380 ml", "Paint & Decorating", WESTWAY, "pcs",
             "1.30", "2.69", 12),
    _product("PNT-607", "Masking Tape 25 mm x 50 m", "Paint & Decorating", WESTWAY, "pcs",
             "1.10", "2.29", 12),
    _product("PNT-608", "White Spirit", "Paint & Decorating", COLOURCRAFT, "l",
             "1.60", "3.29", 10, "Decanted from 25 L drums."),
]  # fmt: skip


# Building blocks for the generated catalogues of the medium and large sizes:
# per category, items (name, unit, base cost) and variants (label, cost factor).
BRANDS = [
    ("Stanmore", "1.00"), ("Ironbridge", "1.15"), ("Kestrel", "0.90"), ("ProFix", "1.05"),
    ("Tradeline", "0.85"), ("Halden", "1.25"), ("Corvid", "0.95"), ("Northway", "1.10"),
    ("Bluecrest", "1.00"), ("Atlas", "1.20"), ("Redwing", "0.88"), ("Granite", "1.30"),
    ("Meridian", "1.08"), ("Foxley", "0.92"),
]  # fmt: skip

GENERATED_ITEMS = {
    "Fasteners": (
        [("Wood Screws", "box", "4.00"), ("Machine Screws", "pack", "2.50"),
         ("Hex Bolts", "pack", "3.20"), ("Coach Screws", "pack", "3.60"),
         ("Self-tapping Screws", "box", "3.90"), ("Wall Plugs", "pack", "1.60"),
         ("Hex Nuts", "pack", "1.80"), ("Flat Washers", "pack", "1.50"),
         ("Threaded Rod", "pcs", "2.80"), ("Frame Fixings", "pack", "4.40"),
         ("Anchor Bolts", "pack", "5.20"), ("Decking Screws", "box", "7.50")],
        [("M4", "0.6"), ("M5", "0.7"), ("M6", "0.8"), ("M8", "1.0"), ("M10", "1.2"),
         ("M12", "1.5"), ("3.5 x 30 mm", "0.6"), ("4 x 40 mm", "0.8"), ("4.5 x 50 mm", "0.9"),
         ("5 x 60 mm", "1.1"), ("5 x 80 mm", "1.3"), ("6 x 100 mm", "1.6")],
    ),
    "Hand Tools": (
        [("Claw Hammer", "pcs", "8.00"), ("Tape Measure", "pcs", "5.00"),
         ("Screwdriver Set", "pcs", "9.00"), ("Spanner Set", "pcs", "18.00"),
         ("Spirit Level", "pcs", "9.00"), ("Hacksaw", "pcs", "6.00"),
         ("Panel Saw", "pcs", "8.50"), ("Wood Chisel", "pcs", "4.50"),
         ("Pliers", "pcs", "5.50"), ("Adjustable Wrench", "pcs", "7.00"),
         ("Socket Set", "pcs", "22.00"), ("Hex Key Set", "pcs", "4.00")],
        [("Compact", "0.8"), ("Standard", "1.0"), ("Heavy Duty", "1.4"), ("Pro", "1.6"),
         ("Magnetic", "1.2"), ("Insulated", "1.5"), ("Soft Grip", "1.1"), ("Mini", "0.7"),
         ("Long Reach", "1.3"), ("Ratcheting", "1.5"), ("Trade Pack", "2.2"),
         ("Chrome Vanadium", "1.35")],
    ),
    "Power Tools": (
        [("Drill Driver", "pcs", "55.00"), ("Combi Drill", "pcs", "80.00"),
         ("Impact Driver", "pcs", "65.00"), ("Jigsaw", "pcs", "38.00"),
         ("Angle Grinder", "pcs", "30.00"), ("Orbital Sander", "pcs", "34.00"),
         ("Circular Saw", "pcs", "60.00"), ("Multi-tool", "pcs", "45.00"),
         ("SDS Hammer Drill", "pcs", "90.00"), ("Heat Gun", "pcs", "22.00"),
         ("Battery Pack", "pcs", "30.00"), ("Fast Charger", "pcs", "24.00")],
        [("12 V", "0.75"), ("18 V", "1.0"), ("18 V Brushless", "1.35"), ("36 V", "1.7"),
         ("Corded 230 V", "0.85"), ("Body Only", "0.8"), ("Twin Battery Kit", "1.9"),
         ("Compact", "0.9"), ("Pro Series", "1.5"), ("with Case", "1.15"),
         ("Starter Kit", "1.25"), ("Site Edition", "1.45")],
    ),
    "Electrical": (
        [("Twin & Earth Cable", "m", "0.60"), ("Flex Cable", "m", "0.45"),
         ("Switched Socket", "pcs", "2.30"), ("Light Switch", "pcs", "1.20"),
         ("Junction Box", "pcs", "1.30"), ("Extension Lead", "pcs", "6.00"),
         ("Fused Spur", "pcs", "3.10"), ("Plug Top 13 A", "pcs", "1.40"),
         ("Cable Clips", "pack", "1.10"), ("Cable Ties", "pack", "1.70"),
         ("Consumer Unit Breaker", "pcs", "4.80"), ("Back Box", "pcs", "0.90")],
        [("1.0 mm²", "0.7"), ("1.5 mm²", "0.85"), ("2.5 mm²", "1.0"), ("6 mm²", "1.9"),
         ("1-gang", "0.9"), ("2-gang", "1.3"), ("White", "1.0"), ("Brushed Steel", "1.8"),
         ("Black Nickel", "1.9"), ("Outdoor IP66", "2.1"), ("10 m", "1.5"), ("Trade Pack", "3.0")],
    ),
    "Plumbing": (
        [("Copper Pipe", "pcs", "8.50"), ("Compression Elbow", "pcs", "1.20"),
         ("Compression Tee", "pcs", "1.60"), ("Push-fit Coupler", "pcs", "1.60"),
         ("Isolating Valve", "pcs", "2.40"), ("Tap Connector", "pcs", "2.90"),
         ("Basin Mixer Tap", "pcs", "24.00"), ("Bottle Trap", "pcs", "3.40"),
         ("Waste Pipe", "pcs", "3.00"), ("PTFE Tape", "pcs", "0.35"),
         ("Radiator Valve", "pcs", "6.50"), ("Pipe Clips", "pack", "1.90")],
        [("15 mm", "1.0"), ("22 mm", "1.4"), ("28 mm", "1.9"), ("32 mm", "1.2"),
         ("40 mm", "1.4"), ("Chrome", "1.3"), ("Brass", "1.2"), ("White", "0.9"),
         ("Pack of 5", "4.2"), ("Pack of 10", "7.8"), ("Lever", "1.25"), ("Thermostatic", "2.4")],
    ),
    "Paint & Decorating": (
        [("Matt Emulsion", "pcs", "14.00"), ("Silk Emulsion", "pcs", "15.00"),
         ("Satinwood", "pcs", "13.00"), ("Gloss", "pcs", "12.00"),
         ("Masonry Paint", "pcs", "20.00"), ("Wood Stain", "pcs", "11.00"),
         ("Primer Undercoat", "pcs", "10.00"), ("Paint Brush", "pcs", "2.50"),
         ("Roller Sleeve", "pcs", "2.20"), ("Masking Tape", "pcs", "1.10"),
         ("Dust Sheet", "pcs", "5.50"), ("White Spirit", "l", "1.60")],
        [("Brilliant White", "1.0"), ("Magnolia", "1.0"), ("Soft Grey", "1.05"),
         ("Sage Green", "1.1"), ("Duck Egg", "1.1"), ("Charcoal", "1.1"), ("Cream", "1.0"),
         ("Navy", "1.15"), ("1 L", "0.35"), ("2.5 L", "0.6"), ("5 L", "1.0"), ("10 L", "1.8")],
    ),
    "Garden": (
        [("Garden Hose", "pcs", "12.00"), ("Hose Connector", "pcs", "1.50"),
         ("Spade", "pcs", "14.00"), ("Garden Fork", "pcs", "14.00"),
         ("Pruning Shears", "pcs", "8.00"), ("Leaf Rake", "pcs", "7.50"),
         ("Wheelbarrow", "pcs", "45.00"), ("Watering Can", "pcs", "5.00"),
         ("Compost", "pcs", "4.50"), ("Grass Seed", "kg", "6.00"),
         ("Weed Membrane", "m", "0.80"), ("Plant Pot", "pcs", "2.00")],
        [("Small", "0.7"), ("Medium", "1.0"), ("Large", "1.4"), ("Stainless", "1.6"),
         ("Ash Handle", "1.2"), ("Lightweight", "1.1"), ("15 m", "0.9"), ("30 m", "1.5"),
         ("Pro", "1.5"), ("Ergonomic", "1.25"), ("Value", "0.75"), ("Kids", "0.6")],
    ),
    "Safety & Workwear": (
        [("Work Gloves", "pcs", "2.50"), ("Safety Glasses", "pcs", "2.20"),
         ("Ear Defenders", "pcs", "6.00"), ("Dust Masks FFP2", "pack", "5.00"),
         ("Hi-vis Vest", "pcs", "2.80"), ("Safety Boots", "pcs", "28.00"),
         ("Hard Hat", "pcs", "6.50"), ("Knee Pads", "pcs", "7.00"),
         ("Disposable Coveralls", "pcs", "3.50"), ("First Aid Kit", "pcs", "9.00"),
         ("Work Trousers", "pcs", "18.00"), ("Rigger Gloves", "pcs", "2.00")],
        [("Size S", "1.0"), ("Size M", "1.0"), ("Size L", "1.0"), ("Size XL", "1.05"),
         ("Clear", "1.0"), ("Tinted", "1.1"), ("Yellow", "1.0"), ("Orange", "1.0"),
         ("Pack of 3", "2.6"), ("Pack of 10", "7.5"), ("Thermal", "1.3"), ("Cut Level 5", "1.8")],
    ),
    "Adhesives & Sealants": (
        [("Silicone Sealant", "pcs", "2.80"), ("Decorators Caulk", "pcs", "1.30"),
         ("Grab Adhesive", "pcs", "3.50"), ("Wood Glue", "pcs", "3.00"),
         ("Expanding Foam", "pcs", "4.50"), ("Super Glue", "pcs", "1.80"),
         ("Epoxy Putty", "pcs", "3.20"), ("Ready-mixed Filler", "pcs", "3.40"),
         ("Tile Adhesive", "pcs", "9.00"), ("Grout", "pcs", "5.00"),
         ("Contact Adhesive", "pcs", "4.20"), ("Roof Sealant", "pcs", "5.50")],
        [("White", "1.0"), ("Clear", "1.05"), ("Grey", "1.0"), ("Brown", "1.0"),
         ("Anti-mould", "1.25"), ("Rapid Set", "1.2"), ("Exterior", "1.15"), ("Trade", "0.9"),
         ("Small Tube", "0.5"), ("310 ml", "1.0"), ("750 ml", "1.9"), ("5 kg Tub", "3.2")],
    ),
    "Timber & Sheet": (
        [("Planed Square Edge", "m", "1.80"), ("Sawn Treated Batten", "m", "0.90"),
         ("Decking Board", "m", "2.60"), ("Skirting Board", "m", "2.10"),
         ("Architrave", "m", "1.40"), ("Dowel", "m", "0.70"),
         ("Plywood Sheet", "pcs", "18.00"), ("MDF Sheet", "pcs", "14.00"),
         ("OSB Board", "pcs", "16.00"), ("Plasterboard", "pcs", "8.00"),
         ("Hardboard Sheet", "pcs", "6.50"), ("Fence Panel", "pcs", "24.00")],
        [("12 mm", "0.8"), ("18 mm", "1.0"), ("25 mm", "1.3"), ("44 x 44 mm", "1.1"),
         ("47 x 100 mm", "1.5"), ("Torus", "1.0"), ("Ogee", "1.05"), ("Pine", "1.0"),
         ("Oak Veneer", "2.2"), ("Moisture Resistant", "1.3"), ("Half Sheet", "0.55"),
         ("Full Sheet", "1.0")],
    ),
    "Lighting": (
        [("LED GU10 Bulb", "pcs", "1.40"), ("LED E27 Bulb", "pcs", "1.60"),
         ("LED Batten", "pcs", "9.00"), ("Downlight", "pcs", "6.00"),
         ("Ceiling Pendant", "pcs", "12.00"), ("Floodlight", "pcs", "14.00"),
         ("Bulkhead Light", "pcs", "11.00"), ("Strip Light", "pcs", "8.00"),
         ("Torch", "pcs", "5.00"), ("Head Torch", "pcs", "7.00"),
         ("Work Light", "pcs", "20.00"), ("Solar Garden Light", "pcs", "4.00")],
        [("Warm White", "1.0"), ("Cool White", "1.0"), ("Daylight", "1.05"),
         ("Dimmable", "1.3"), ("5 W", "0.8"), ("10 W", "1.0"), ("20 W", "1.4"), ("30 W", "1.8"),
         ("PIR Sensor", "1.6"), ("Pack of 3", "2.6"), ("Rechargeable", "1.5"),
         ("IP65", "1.3")],
    ),
    "Storage & Shelving": (
        [("Storage Box", "pcs", "4.00"), ("Tool Box", "pcs", "9.00"),
         ("Organiser Case", "pcs", "6.00"), ("Shelving Unit", "pcs", "28.00"),
         ("Shelf Bracket", "pcs", "1.20"), ("Wall Hook", "pcs", "0.90"),
         ("Garage Rack", "pcs", "22.00"), ("Pegboard", "pcs", "11.00"),
         ("Stacking Crate", "pcs", "5.50"), ("Tool Bag", "pcs", "14.00"),
         ("Parts Drawer Cabinet", "pcs", "16.00"), ("Ladder Hook", "pcs", "3.00")],
        [("10 L", "0.7"), ("24 L", "1.0"), ("45 L", "1.4"), ("80 L", "1.9"),
         ("Small", "0.8"), ("Large", "1.4"), ("Heavy Duty", "1.6"), ("Galvanised", "1.3"),
         ("Black", "1.0"), ("Clear", "1.05"), ("4-tier", "1.5"), ("Pack of 4", "3.2")],
    ),
}  # fmt: skip

FIRST_NAMES = [
    "Olivia", "Noah", "Amelia", "Oliver", "Isla", "George", "Ava", "Arthur", "Mia", "Leo",
    "Ivy", "Harry", "Grace", "Oscar", "Freya", "Jack", "Lily", "Muhammad", "Sophia", "Theo",
    "Aisha", "Tomasz", "Priya", "Kwame", "Chloe", "Mateo", "Yusuf", "Zara", "Daniel", "Ruby",
    "Samuel", "Elena", "Joseph", "Hannah", "Omar", "Ella", "Finn", "Maya", "Lucas", "Nadia",
]  # fmt: skip
LAST_NAMES = [
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
    "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall",
    "Wood", "Jackson", "Clarke", "Khan", "Nowak", "Okafor", "Chen", "Murphy", "Hughes",
    "Edwards", "Turner", "Hill", "Moore", "Ahmed", "Fletcher", "Hassan", "Mensah", "Kowalski",
    "Singh", "Reid", "Ward", "Morgan",
]  # fmt: skip
TRADES = [
    "Building Services", "Plumbing & Heating", "Electrical", "Joinery", "Decorators",
    "Landscapes", "Property Maintenance", "Roofing", "Kitchens & Bathrooms", "Carpentry",
    "Lettings", "Facilities Ltd", "Construction", "Handyman Services", "Interiors",
]  # fmt: skip
SUPPLIER_WORDS = [
    "Anchor", "Beacon", "Cedar", "Crown", "Delta", "Eagle", "Falcon", "Harbour", "Keystone",
    "Lakeside", "Meridian", "Oakridge", "Pinnacle", "Quarry", "Regent", "Sterling", "Tower",
    "Vale", "Wessex", "Yardley",
]  # fmt: skip
SUPPLIER_KINDS = [
    "Trade Supplies", "Wholesale", "Distribution", "Building Products", "Tools Ltd",
    "Merchants", "Industrial", "Imports",
]  # fmt: skip


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def shelf_price(cost: Decimal, markup: Decimal) -> Decimal:
    """A sale price the way shops write them: 4.49, 7.99, 24.99."""
    raw = cost * markup
    if raw < 10:
        whole = int(raw)
        return Decimal(whole) + (
            Decimal("0.49") if raw - whole < Decimal("0.5") else Decimal("0.99")
        )
    return Decimal(int(raw)) + Decimal("0.99")


def reorder_level_for(unit: str, cost: Decimal, rng: random.Random) -> int:
    """Cheap consumables are kept in depth; expensive tools in ones and twos."""
    if unit in ("m", "kg", "l"):
        return rng.choice((20, 25, 30, 40, 50))
    if cost < 3:
        return rng.randint(10, 20)
    if cost < 15:
        return rng.randint(4, 10)
    if cost < 50:
        return rng.randint(2, 5)
    return rng.randint(1, 3)


def generated_products(rng: random.Random, count: int, categories: list[str]):
    """``count`` products spread evenly over ``categories``, as :class:`CatalogueProduct`.

    The supplier field holds a supplier number, assigned by the caller.
    """
    per_category = -(-count // len(categories))
    combinations_by_category = {}
    for category in categories:
        items, variants = GENERATED_ITEMS[category]
        combinations = list(itertools.product(BRANDS, items, variants))
        rng.shuffle(combinations)
        combinations_by_category[category] = combinations[:per_category]
    prefixes = {name: prefix for name, prefix, _ in CATEGORIES}
    produced = 0
    for position in range(per_category):
        for category in categories:
            if produced == count:
                return
            combinations = combinations_by_category[category]
            if position >= len(combinations):
                continue
            (brand, brand_factor), (item, unit, base_cost), (variant, factor) = combinations[
                position
            ]
            cost = max(
                money(Decimal(base_cost) * Decimal(brand_factor) * Decimal(factor)), Decimal("0.10")
            )
            markup = Decimal(rng.choice(("1.45", "1.55", "1.65", "1.75", "1.85")))
            produced += 1
            yield CatalogueProduct(
                sku=f"{prefixes[category]}-{10000 + position:05d}",
                name=f"{brand} {item} {variant}",
                category=category,
                supplier="",
                unit=unit,
                cost_price=cost,
                sale_price=shelf_price(cost, markup),
                reorder_level=reorder_level_for(unit, cost, rng),
            )


def generated_suppliers(count: int):
    """Supplier rows beyond the hand-written ones: (name, contact, e-mail, phone, address)."""
    names = itertools.product(SUPPLIER_WORDS, SUPPLIER_KINDS)
    for number, (word, kind) in zip(range(count), names, strict=False):
        first = FIRST_NAMES[number % len(FIRST_NAMES)]
        last = LAST_NAMES[(number * 7) % len(LAST_NAMES)]
        slug = f"{word}{kind.split()[0]}".lower()
        yield (
            f"{word} {kind}",
            f"{first} {last}",
            f"orders@{slug}.example.com",
            f"+1 555 302 {1000 + number:04d}",
            f"{number + 1} {word} Business Park",
        )


def generated_customers(count: int):
    """Customer rows beyond the hand-written ones: people and trade accounts."""
    people = itertools.product(FIRST_NAMES, LAST_NAMES)
    trades = itertools.product(LAST_NAMES, TRADES)
    for number in range(count):
        if number % 4 == 3:
            surname, trade = next(trades)
            name = f"{surname} {trade}"
            email = f"accounts{number}@{surname.lower()}{trade.split()[0].lower()}.example.com"
            address = ""
        else:
            first, last = next(people)
            name = f"{first} {last}"
            email = f"{first.lower()}.{last.lower()}{number}@example.net"
            address = f"{number % 200 + 1} {LAST_NAMES[number % len(LAST_NAMES)]} Road"
        yield (name, email, f"+1 555 402 {number:04d}", address)
