# ruff: noqa: E501  (word lists: one category per line reads best)
"""Word lists and templates for realistic French and English listings (benchmark data only).

Nothing here is copied from a real marketplace: titles and descriptions are assembled from
hand-written nouns, brands, adjectives, colours, conditions and sentence templates, so the
full-text indexes see the kind of vocabulary real listings have (brands, models, sizes,
accents, plurals) in both languages.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- places ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class City:
    name: str
    country: str  # ISO 3166-1 alpha-2
    latitude: float
    longitude: float
    weight: float  # share of listings (roughly the population of the area)
    french: float  # probability that a listing there is written in French


CITIES: tuple[City, ...] = (
    # France
    City("Paris", "FR", 48.8566, 2.3522, 14.0, 0.93),
    City("Lyon", "FR", 45.7640, 4.8357, 4.0, 0.95),
    City("Marseille", "FR", 43.2965, 5.3698, 3.5, 0.96),
    City("Toulouse", "FR", 43.6047, 1.4442, 2.8, 0.96),
    City("Nice", "FR", 43.7102, 7.2620, 2.0, 0.90),
    City("Nantes", "FR", 47.2184, -1.5536, 2.0, 0.96),
    City("Montpellier", "FR", 43.6108, 3.8767, 1.8, 0.96),
    City("Strasbourg", "FR", 48.5734, 7.7521, 1.7, 0.95),
    City("Bordeaux", "FR", 44.8378, -0.5792, 2.2, 0.95),
    City("Lille", "FR", 50.6292, 3.0573, 2.0, 0.96),
    City("Rennes", "FR", 48.1173, -1.6778, 1.4, 0.97),
    City("Reims", "FR", 49.2583, 4.0317, 0.8, 0.97),
    City("Toulon", "FR", 43.1242, 5.9280, 0.8, 0.97),
    City("Grenoble", "FR", 45.1885, 5.7245, 1.2, 0.95),
    City("Dijon", "FR", 47.3220, 5.0415, 0.7, 0.97),
    City("Angers", "FR", 47.4784, -0.5632, 0.7, 0.97),
    City("Nîmes", "FR", 43.8367, 4.3601, 0.6, 0.97),
    City("Clermont-Ferrand", "FR", 45.7772, 3.0870, 0.7, 0.97),
    City("Le Havre", "FR", 49.4944, 0.1079, 0.6, 0.97),
    City("Saint-Étienne", "FR", 45.4397, 4.3872, 0.7, 0.97),
    City("Tours", "FR", 47.3941, 0.6848, 0.6, 0.97),
    City("Limoges", "FR", 45.8336, 1.2611, 0.5, 0.97),
    City("Amiens", "FR", 49.8941, 2.2958, 0.5, 0.97),
    City("Annecy", "FR", 45.8992, 6.1294, 0.5, 0.94),
    City("Perpignan", "FR", 42.6887, 2.8948, 0.5, 0.97),
    City("Metz", "FR", 49.1193, 6.1757, 0.5, 0.97),
    City("Besançon", "FR", 47.2378, 6.0241, 0.4, 0.97),
    City("Orléans", "FR", 47.9030, 1.9093, 0.5, 0.97),
    City("Rouen", "FR", 49.4432, 1.0999, 0.7, 0.97),
    City("Caen", "FR", 49.1829, -0.3707, 0.5, 0.97),
    City("Brest", "FR", 48.3904, -4.4861, 0.4, 0.97),
    City("La Rochelle", "FR", 46.1603, -1.1511, 0.4, 0.96),
    City("Biarritz", "FR", 43.4832, -1.5586, 0.3, 0.92),
    # Belgium
    City("Bruxelles", "BE", 50.8503, 4.3517, 3.0, 0.80),
    City("Liège", "BE", 50.6326, 5.5797, 1.2, 0.95),
    City("Namur", "BE", 50.4674, 4.8718, 0.6, 0.95),
    City("Charleroi", "BE", 50.4108, 4.4446, 0.8, 0.95),
    City("Mons", "BE", 50.4542, 3.9567, 0.4, 0.95),
    City("Antwerpen", "BE", 51.2194, 4.4025, 0.8, 0.25),
    # Switzerland
    City("Genève", "CH", 46.2044, 6.1432, 1.8, 0.85),
    City("Lausanne", "CH", 46.5197, 6.6323, 1.3, 0.92),
    City("Neuchâtel", "CH", 46.9900, 6.9293, 0.4, 0.95),
    City("Fribourg", "CH", 46.8065, 7.1620, 0.4, 0.80),
    City("Zürich", "CH", 47.3769, 8.5417, 1.4, 0.10),
    City("Basel", "CH", 47.5596, 7.5886, 0.6, 0.15),
    # Canada
    City("Montréal", "CA", 45.5019, -73.5674, 3.4, 0.75),
    City("Québec", "CA", 46.8139, -71.2080, 1.2, 0.95),
    City("Gatineau", "CA", 45.4765, -75.7013, 0.4, 0.80),
    City("Sherbrooke", "CA", 45.4042, -71.8929, 0.3, 0.95),
    City("Toronto", "CA", 43.6532, -79.3832, 3.0, 0.04),
    City("Ottawa", "CA", 45.4215, -75.6972, 0.9, 0.25),
    City("Vancouver", "CA", 49.2827, -123.1207, 1.5, 0.03),
    City("Calgary", "CA", 51.0447, -114.0719, 0.8, 0.02),
    # United Kingdom
    City("London", "GB", 51.5072, -0.1276, 9.0, 0.04),
    City("Manchester", "GB", 53.4808, -2.2426, 2.0, 0.01),
    City("Birmingham", "GB", 52.4862, -1.8904, 2.0, 0.01),
    City("Leeds", "GB", 53.8008, -1.5491, 1.2, 0.01),
    City("Glasgow", "GB", 55.8642, -4.2518, 1.2, 0.01),
    City("Edinburgh", "GB", 55.9533, -3.1883, 0.9, 0.02),
    City("Bristol", "GB", 51.4545, -2.5879, 0.9, 0.01),
    City("Liverpool", "GB", 53.4084, -2.9916, 0.9, 0.01),
    City("Brighton", "GB", 50.8225, -0.1372, 0.6, 0.02),
    City("Cambridge", "GB", 52.2053, 0.1218, 0.4, 0.02),
    City("Oxford", "GB", 51.7520, -1.2577, 0.4, 0.02),
)

CURRENCY_OF = {"FR": "EUR", "BE": "EUR", "CH": "CHF", "CA": "CAD", "GB": "GBP"}
# Prices are drawn in EUR and converted (roughly) to the local currency.
EUR_RATE = {"EUR": 1.0, "CHF": 0.95, "CAD": 1.5, "GBP": 0.85}

# --- vocabulary per category family -------------------------------------------------------------

# (English noun, French noun, French gender "m"/"f")
Noun = tuple[str, str, str]


@dataclass(frozen=True)
class Family:
    nouns: tuple[Noun, ...]
    brands: tuple[str, ...]
    median_eur: float  # median price in euros (log-normal around it)
    sigma: float = 0.8


def _n(spec: str) -> tuple[Noun, ...]:
    """'en/fr/g; en/fr/g' -> nouns."""
    out = []
    for item in spec.split(";"):
        en, fr, g = (p.strip() for p in item.split("/"))
        out.append((en, fr, g))
    return tuple(out)


FASHION_BRANDS = (
    "Zara",
    "H&M",
    "Mango",
    "Uniqlo",
    "Levi's",
    "Sézane",
    "Petit Bateau",
    "Kiabi",
    "Jules",
    "Promod",
    "Naf Naf",
    "Comptoir des Cotonniers",
    "Maje",
    "Sandro",
    "The Kooples",
    "Ralph Lauren",
    "Tommy Hilfiger",
    "Lacoste",
    "Gap",
    "Next",
    "Marks & Spencer",
    "Primark",
    "Boden",
    "Barbour",
    "Burberry",
    "Aigle",
    "Armor-Lux",
    "Cyrillus",
    "Vertbaudet",
    "Okaïdi",
    "Jacadi",
    "Benetton",
    "Desigual",
    "Patagonia",
    "The North Face",
    "Columbia",
    "Quechua",
    "Superdry",
    "COS",
)
SHOE_BRANDS = (
    "Nike",
    "Adidas",
    "Converse",
    "Vans",
    "New Balance",
    "Veja",
    "Dr. Martens",
    "Clarks",
    "Birkenstock",
    "Timberland",
    "Puma",
    "Asics",
    "Geox",
    "Kickers",
    "Salomon",
    "UGG",
)
LUXURY_BRANDS = (
    "Longchamp",
    "Michael Kors",
    "Louis Vuitton",
    "Gucci",
    "Kate Spade",
    "Fossil",
    "Swatch",
    "Seiko",
    "Casio",
    "Tissot",
    "Pandora",
    "Swarovski",
    "Samsonite",
    "Eastpak",
    "Herschel",
)
PHONE_BRANDS = ("Apple", "Samsung", "Xiaomi", "Google", "OnePlus", "Huawei", "Oppo", "Motorola")
PHONE_MODELS = (
    "iPhone 11",
    "iPhone 12",
    "iPhone 13",
    "iPhone 14 Pro",
    "iPhone SE",
    "Galaxy S21",
    "Galaxy S22",
    "Galaxy A52",
    "Redmi Note 10",
    "Pixel 6",
    "Pixel 7a",
    "Nord 2",
    "P30 Pro",
)
COMPUTER_BRANDS = ("Apple", "Dell", "HP", "Lenovo", "Asus", "Acer", "Microsoft", "MSI", "Logitech")
COMPUTER_MODELS = (
    "MacBook Air M1",
    "MacBook Pro 14",
    "ThinkPad X1",
    "XPS 13",
    "ZenBook 14",
    "Surface Pro 7",
    "iPad Air",
    "iPad 9",
    "Kindle Paperwhite",
    "Galaxy Tab S7",
    "IdeaPad 5",
    "Pavilion 15",
)
AV_BRANDS = (
    "Sony",
    "Bose",
    "JBL",
    "Sennheiser",
    "Marshall",
    "Philips",
    "LG",
    "Samsung",
    "Panasonic",
    "Canon",
    "Nikon",
    "Fujifilm",
    "GoPro",
    "DJI",
    "Yamaha",
    "Denon",
    "Bang & Olufsen",
)
GAMING = ("Sony", "Nintendo", "Microsoft", "Ubisoft", "EA Sports")
GAMING_MODELS = (
    "PlayStation 4",
    "PlayStation 5",
    "Nintendo Switch",
    "Switch OLED",
    "Xbox Series X",
    "Xbox One",
    "Game Boy Advance",
    "Nintendo DS",
    "Wii U",
    "FIFA 23",
    "Zelda",
    "Mario Kart 8",
)
HOME_BRANDS = (
    "IKEA",
    "Maisons du Monde",
    "Habitat",
    "Conforama",
    "But",
    "La Redoute",
    "Alinea",
    "Roche Bobois",
    "Made.com",
    "John Lewis",
    "Dunelm",
    "Le Creuset",
    "Tefal",
    "Moulinex",
    "SEB",
    "KitchenAid",
    "Dyson",
    "Rowenta",
    "Bosch",
    "Siemens",
    "Whirlpool",
    "Miele",
    "Smeg",
    "Nespresso",
    "DeLonghi",
)
TOOL_BRANDS = (
    "Bosch",
    "Makita",
    "DeWalt",
    "Ryobi",
    "Black+Decker",
    "Stanley",
    "Facom",
    "Einhell",
    "Hilti",
    "Metabo",
    "Stihl",
    "Husqvarna",
    "Kärcher",
    "Gardena",
    "Weber",
    "Festool",
)
SPORT_BRANDS = (
    "Decathlon",
    "Quechua",
    "Rossignol",
    "Salomon",
    "Head",
    "Wilson",
    "Babolat",
    "Domyos",
    "Kettler",
    "Tribord",
    "Wed'ze",
    "Millet",
    "Lafuma",
    "Petzl",
    "Garmin",
    "Polar",
)
BIKE_BRANDS = (
    "Btwin",
    "Rockrider",
    "Peugeot",
    "Gitane",
    "Lapierre",
    "Cannondale",
    "Trek",
    "Specialized",
    "Giant",
    "Scott",
    "Canyon",
    "Orbea",
    "Brompton",
    "Moustache",
    "Cube",
    "Riverside",
    "VanMoof",
)
CAR_BRANDS = ("Renault", "Peugeot", "Citroën", "Volkswagen", "Ford", "Toyota", "BMW", "Michelin")
KIDS_BRANDS = (
    "Bébé Confort",
    "Chicco",
    "Maxi-Cosi",
    "Cybex",
    "Babyzen",
    "Bugaboo",
    "Joie",
    "Stokke",
    "LEGO",
    "Playmobil",
    "Vtech",
    "Fisher-Price",
    "Djeco",
    "Janod",
    "Hape",
    "Sophie la girafe",
)
PET_BRANDS = ("Royal Canin", "Trixie", "Zolux", "Ferplast", "Kong", "Flexi")
MUSIC_BRANDS = (
    "Yamaha",
    "Fender",
    "Gibson",
    "Epiphone",
    "Roland",
    "Korg",
    "Casio",
    "Pearl",
    "Ibanez",
    "Selmer",
    "Pioneer",
    "Numark",
    "Shure",
    "Behringer",
)
BOOK_AUTHORS = (
    "Victor Hugo",
    "Albert Camus",
    "Agatha Christie",
    "J.K. Rowling",
    "Stephen King",
    "Goscinny",
    "Hergé",
    "Guillaume Musso",
    "Marc Levy",
    "Fred Vargas",
    "Jules Verne",
    "Tolkien",
    "Zola",
    "Simenon",
    "Riad Sattouf",
    "Eiichiro Oda",
    "Akira Toriyama",
    "Jane Austen",
    "George Orwell",
)
NONE: tuple[str, ...] = ()

FAMILIES: dict[str, Family] = {
    "women-tops": Family(
        _n(
            "t-shirt/t-shirt/m; blouse/chemisier/m; top/top/m; shirt/chemise/f; tank top/débardeur/m"
        ),
        FASHION_BRANDS,
        12,
    ),
    "women-dresses-skirts": Family(
        _n("dress/robe/f; skirt/jupe/f; maxi dress/robe longue/f; summer dress/robe d'été/f"),
        FASHION_BRANDS,
        18,
    ),
    "women-trousers-jeans": Family(
        _n("jeans/jean/m; trousers/pantalon/m; leggings/legging/m; shorts/short/m"),
        FASHION_BRANDS,
        15,
    ),
    "women-coats-jackets": Family(
        _n(
            "coat/manteau/m; jacket/veste/f; parka/parka/f; trench coat/trench/m; leather jacket/blouson en cuir/m; down jacket/doudoune/f"
        ),
        FASHION_BRANDS,
        35,
    ),
    "women-knitwear": Family(
        _n("jumper/pull/m; cardigan/gilet/m; sweater/pull en laine/m"), FASHION_BRANDS, 15
    ),
    "men-tops": Family(
        _n("t-shirt/t-shirt/m; shirt/chemise/f; polo shirt/polo/m"), FASHION_BRANDS, 12
    ),
    "men-trousers-jeans": Family(
        _n("jeans/jean/m; chinos/chino/m; trousers/pantalon/m; shorts/bermuda/m"),
        FASHION_BRANDS,
        15,
    ),
    "men-coats-jackets": Family(
        _n(
            "coat/manteau/m; jacket/veste/f; parka/parka/f; leather jacket/blouson en cuir/m; down jacket/doudoune/f"
        ),
        FASHION_BRANDS,
        40,
    ),
    "men-knitwear": Family(
        _n("jumper/pull/m; hoodie/sweat à capuche/m; sweatshirt/sweat/m"), FASHION_BRANDS, 15
    ),
    "girls-clothing": Family(
        _n("dress/robe/f; clothes bundle/lot de vêtements/m; coat/manteau/m; leggings/legging/m"),
        FASHION_BRANDS,
        8,
    ),
    "boys-clothing": Family(
        _n("clothes bundle/lot de vêtements/m; jeans/jean/m; coat/manteau/m; t-shirt/t-shirt/m"),
        FASHION_BRANDS,
        8,
    ),
    "baby-clothing": Family(
        _n(
            "baby bodysuit/body/m; sleepsuit/pyjama/m; clothes bundle/lot de vêtements/m; romper/barboteuse/f"
        ),
        FASHION_BRANDS,
        6,
    ),
    "women-shoes": Family(
        _n(
            "trainers/baskets/f; boots/bottes/f; ankle boots/bottines/f; sandals/sandales/f; heels/escarpins/m"
        ),
        SHOE_BRANDS,
        25,
    ),
    "men-shoes": Family(
        _n(
            "trainers/baskets/f; boots/boots/f; running shoes/chaussures de running/f; loafers/mocassins/m"
        ),
        SHOE_BRANDS,
        30,
    ),
    "kids-shoes": Family(
        _n("trainers/baskets/f; boots/bottes/f; slippers/chaussons/m"), SHOE_BRANDS, 12
    ),
    "handbags": Family(
        _n(
            "handbag/sac à main/m; tote bag/cabas/m; shoulder bag/sac bandoulière/m; clutch/pochette/f"
        ),
        LUXURY_BRANDS,
        45,
        1.1,
    ),
    "backpacks": Family(_n("backpack/sac à dos/m; school bag/cartable/m"), LUXURY_BRANDS, 20),
    "luggage": Family(
        _n("suitcase/valise/f; cabin bag/valise cabine/f; travel bag/sac de voyage/m"),
        LUXURY_BRANDS,
        40,
    ),
    "jewellery": Family(
        _n("necklace/collier/m; ring/bague/f; bracelet/bracelet/m; earrings/boucles d'oreilles/f"),
        LUXURY_BRANDS,
        25,
        1.1,
    ),
    "watches": Family(_n("watch/montre/f; chronograph/chronographe/m"), LUXURY_BRANDS, 80, 1.1),
    "hats-scarves-belts": Family(
        _n("scarf/écharpe/f; hat/chapeau/m; belt/ceinture/f; cap/casquette/f"), FASHION_BRANDS, 10
    ),
    "beauty": Family(
        _n("perfume/parfum/m; hair dryer/sèche-cheveux/m; make-up set/coffret maquillage/m"),
        LUXURY_BRANDS,
        20,
    ),
    "smartphones": Family(
        _n("smartphone/smartphone/m; mobile phone/téléphone portable/m"), PHONE_BRANDS, 220, 0.7
    ),
    "smartwatches": Family(
        _n("smartwatch/montre connectée/f; fitness tracker/bracelet connecté/m"), PHONE_BRANDS, 90
    ),
    "phone-accessories": Family(
        _n("phone case/coque/f; charger/chargeur/m; power bank/batterie externe/f"),
        PHONE_BRANDS,
        12,
    ),
    "laptops": Family(
        _n("laptop/ordinateur portable/m; notebook/PC portable/m"), COMPUTER_BRANDS, 400, 0.7
    ),
    "desktops": Family(
        _n("desktop computer/ordinateur de bureau/m; gaming PC/PC gamer/m; monitor/écran/m"),
        COMPUTER_BRANDS,
        350,
        0.8,
    ),
    "tablets": Family(_n("tablet/tablette/f; e-reader/liseuse/f"), COMPUTER_BRANDS, 180, 0.7),
    "computer-parts": Family(
        _n(
            "graphics card/carte graphique/f; keyboard/clavier/m; mouse/souris/f; printer/imprimante/f"
        ),
        COMPUTER_BRANDS,
        50,
        1.0,
    ),
    "headphones": Family(
        _n("headphones/casque audio/m; earbuds/écouteurs/m; wireless headphones/casque sans fil/m"),
        AV_BRANDS,
        60,
    ),
    "speakers-hifi": Family(
        _n(
            "speaker/enceinte/f; amplifier/amplificateur/m; turntable/platine vinyle/f; soundbar/barre de son/f"
        ),
        AV_BRANDS,
        90,
        0.9,
    ),
    "televisions": Family(_n("TV/télévision/f; smart TV/télé connectée/f"), AV_BRANDS, 250, 0.7),
    "projectors": Family(_n("projector/vidéoprojecteur/m"), AV_BRANDS, 150),
    "cameras-camcorders": Family(
        _n(
            "camera/appareil photo/m; reflex camera/reflex/m; camcorder/caméscope/m; action camera/caméra sportive/f"
        ),
        AV_BRANDS,
        250,
        0.9,
    ),
    "lenses-accessories": Family(
        _n("lens/objectif/m; tripod/trépied/m; camera bag/sac photo/m"), AV_BRANDS, 120, 0.9
    ),
    "drones": Family(_n("drone/drone/m"), AV_BRANDS, 300),
    "consoles": Family(_n("console/console/f; games console/console de jeux/f"), GAMING, 200, 0.6),
    "games": Family(
        _n("video game/jeu vidéo/m; game/jeu/m; games bundle/lot de jeux/m"), GAMING, 20, 0.6
    ),
    "gaming-accessories": Family(
        _n("controller/manette/f; gaming headset/casque gamer/m"), GAMING, 30
    ),
    "sofas-armchairs": Family(
        _n(
            "sofa/canapé/m; corner sofa/canapé d'angle/m; armchair/fauteuil/m; sofa bed/canapé convertible/m; leather sofa/canapé en cuir/m"
        ),
        HOME_BRANDS,
        150,
        0.9,
    ),
    "tables-chairs": Family(
        _n(
            "dining table/table à manger/f; chair/chaise/f; coffee table/table basse/f; desk/bureau/m; set of chairs/lot de chaises/m"
        ),
        HOME_BRANDS,
        70,
        0.9,
    ),
    "beds-mattresses": Family(
        _n("bed/lit/m; mattress/matelas/m; bed frame/cadre de lit/m; bunk bed/lit superposé/m"),
        HOME_BRANDS,
        120,
        0.9,
    ),
    "storage-furniture": Family(
        _n(
            "wardrobe/armoire/f; chest of drawers/commode/f; bookcase/bibliothèque/f; shelf/étagère/f; sideboard/buffet/m"
        ),
        HOME_BRANDS,
        80,
        0.9,
    ),
    "large-appliances": Family(
        _n(
            "washing machine/lave-linge/m; fridge/réfrigérateur/m; dishwasher/lave-vaisselle/m; oven/four/m; freezer/congélateur/m"
        ),
        HOME_BRANDS,
        180,
        0.7,
    ),
    "kitchen-appliances": Family(
        _n(
            "coffee machine/machine à café/f; food processor/robot de cuisine/m; kettle/bouilloire/f; microwave/micro-ondes/m; toaster/grille-pain/m"
        ),
        HOME_BRANDS,
        40,
    ),
    "floor-care": Family(
        _n(
            "vacuum cleaner/aspirateur/m; robot vacuum/aspirateur robot/m; steam mop/balai vapeur/m"
        ),
        HOME_BRANDS,
        80,
    ),
    "kitchenware": Family(
        _n(
            "casserole dish/cocotte/f; set of plates/service d'assiettes/m; frying pan/poêle/f; cutlery set/ménagère/f"
        ),
        HOME_BRANDS,
        20,
    ),
    "lighting": Family(
        _n("lamp/lampe/f; floor lamp/lampadaire/m; pendant light/suspension/f"), HOME_BRANDS, 25
    ),
    "home-textiles": Family(
        _n("rug/tapis/m; curtains/rideaux/m; duvet/couette/f; cushions/coussins/m"), HOME_BRANDS, 20
    ),
    "decorative-objects": Family(
        _n("mirror/miroir/m; vase/vase/m; frame/cadre/m; clock/horloge/f"), HOME_BRANDS, 15
    ),
    "power-tools": Family(
        _n(
            "drill/perceuse/f; cordless drill/perceuse-visseuse/f; circular saw/scie circulaire/f; sander/ponceuse/f; jigsaw/scie sauteuse/f"
        ),
        TOOL_BRANDS,
        70,
    ),
    "hand-tools": Family(
        _n("tool box/caisse à outils/f; socket set/coffret de douilles/m; ladder/échelle/f"),
        TOOL_BRANDS,
        25,
    ),
    "building-materials": Family(
        _n("tiles/carrelage/m; planks/planches/f; paint/peinture/f; door/porte/f"),
        TOOL_BRANDS,
        40,
        1.0,
    ),
    "garden-furniture": Family(
        _n(
            "garden table/table de jardin/f; barbecue/barbecue/m; parasol/parasol/m; sun lounger/transat/m"
        ),
        TOOL_BRANDS,
        60,
    ),
    "garden-machinery": Family(
        _n(
            "lawn mower/tondeuse/f; hedge trimmer/taille-haie/m; pressure washer/nettoyeur haute pression/m; chainsaw/tronçonneuse/f"
        ),
        TOOL_BRANDS,
        120,
    ),
    "plants-pots": Family(
        _n("plant/plante/f; pot/pot/m; cuttings/boutures/f; olive tree/olivier/m"), NONE, 10
    ),
    "books": Family(
        _n(
            "book/livre/m; novel/roman/m; books bundle/lot de livres/m; cookbook/livre de cuisine/m"
        ),
        NONE,
        5,
    ),
    "comics": Family(
        _n("comic/bande dessinée/f; manga/manga/m; comics collection/collection de BD/f"), NONE, 8
    ),
    "music": Family(
        _n("vinyl record/vinyle/m; CD/CD/m; records collection/collection de vinyles/f"), NONE, 10
    ),
    "films": Family(_n("DVD/DVD/m; Blu-ray/Blu-ray/m; box set/coffret/m"), NONE, 6),
    "guitars": Family(
        _n(
            "electric guitar/guitare électrique/f; acoustic guitar/guitare folk/f; bass guitar/basse/f; classical guitar/guitare classique/f"
        ),
        MUSIC_BRANDS,
        250,
        0.9,
    ),
    "keyboards-pianos": Family(
        _n(
            "digital piano/piano numérique/m; keyboard/clavier/m; upright piano/piano droit/m; synthesizer/synthétiseur/m"
        ),
        MUSIC_BRANDS,
        350,
        1.0,
    ),
    "drums": Family(
        _n("drum kit/batterie/f; electronic drum kit/batterie électronique/f; cajon/cajon/m"),
        MUSIC_BRANDS,
        250,
    ),
    "wind-instruments": Family(
        _n("saxophone/saxophone/m; flute/flûte/f; trumpet/trompette/f; clarinet/clarinette/f"),
        MUSIC_BRANDS,
        300,
    ),
    "studio-dj": Family(
        _n("DJ controller/contrôleur DJ/m; microphone/micro/m; mixer/table de mixage/f"),
        MUSIC_BRANDS,
        150,
    ),
    "board-games": Family(
        _n("board game/jeu de société/m; puzzle/puzzle/m; card game/jeu de cartes/m"),
        KIDS_BRANDS,
        15,
    ),
    "stamps": Family(
        _n("stamp collection/collection de timbres/f; stamp album/album de timbres/m"),
        NONE,
        30,
        1.2,
    ),
    "coins-banknotes": Family(
        _n("coin/pièce/f; coins collection/collection de pièces/f; banknote/billet/m"),
        NONE,
        25,
        1.2,
    ),
    "trading-cards": Family(
        _n(
            "Pokémon cards/cartes Pokémon/f; trading cards/cartes à collectionner/f; booster box/display/m"
        ),
        NONE,
        20,
        1.2,
    ),
    "antiques": Family(
        _n(
            "antique chest/coffre ancien/m; old clock/horloge ancienne/f; antique mirror/miroir ancien/m"
        ),
        NONE,
        120,
        1.1,
    ),
    "arts-crafts": Family(
        _n("sewing machine/machine à coudre/f; wool/laine/f; paints/peintures/f"), NONE, 25
    ),
    "fitness": Family(
        _n(
            "exercise bike/vélo d'appartement/m; treadmill/tapis de course/m; dumbbells/haltères/m; rowing machine/rameur/m"
        ),
        SPORT_BRANDS,
        90,
    ),
    "camping-hiking": Family(
        _n(
            "tent/tente/f; sleeping bag/sac de couchage/m; hiking boots/chaussures de randonnée/f; rucksack/sac de randonnée/m"
        ),
        SPORT_BRANDS,
        40,
    ),
    "winter-sports": Family(
        _n(
            "skis/skis/m; snowboard/snowboard/m; ski boots/chaussures de ski/f; ski jacket/veste de ski/f"
        ),
        SPORT_BRANDS,
        90,
    ),
    "water-sports": Family(
        _n(
            "paddle board/paddle/m; wetsuit/combinaison/f; kayak/kayak/m; surfboard/planche de surf/f"
        ),
        SPORT_BRANDS,
        150,
    ),
    "team-racket-sports": Family(
        _n(
            "tennis racket/raquette de tennis/f; football/ballon de foot/m; padel racket/raquette de padel/f"
        ),
        SPORT_BRANDS,
        30,
    ),
    "sportswear": Family(
        _n("tracksuit/survêtement/m; running jacket/veste de running/f; leggings/legging/m"),
        SPORT_BRANDS,
        18,
    ),
    "city-bikes": Family(
        _n("city bike/vélo de ville/m; bike/vélo/m; folding bike/vélo pliant/m"),
        BIKE_BRANDS,
        150,
        0.8,
    ),
    "road-bikes": Family(
        _n("road bike/vélo de route/m; gravel bike/vélo gravel/m"), BIKE_BRANDS, 600, 0.8
    ),
    "mountain-bikes": Family(
        _n("mountain bike/VTT/m; full suspension mountain bike/VTT tout suspendu/m"),
        BIKE_BRANDS,
        450,
        0.8,
    ),
    "electric-bikes": Family(
        _n(
            "electric bike/vélo électrique/m; e-bike/VAE/m; electric cargo bike/vélo cargo électrique/m"
        ),
        BIKE_BRANDS,
        1100,
        0.6,
    ),
    "kids-bikes": Family(_n("kids bike/vélo enfant/m; balance bike/draisienne/f"), BIKE_BRANDS, 50),
    "bike-parts": Family(
        _n(
            "bike helmet/casque vélo/m; wheel/roue/f; bike lock/antivol/m; child seat/siège enfant/m"
        ),
        BIKE_BRANDS,
        30,
    ),
    "car-parts": Family(
        _n(
            "headlight/phare/m; wing mirror/rétroviseur/m; gearbox/boîte de vitesses/f; bumper/pare-chocs/m"
        ),
        CAR_BRANDS,
        80,
        1.0,
    ),
    "tyres-wheels": Family(
        _n("winter tyres/pneus hiver/m; alloy wheels/jantes alu/f; tyres/pneus/m"), CAR_BRANDS, 150
    ),
    "car-accessories": Family(
        _n("roof box/coffre de toit/m; dashcam/dashcam/f; car charger/chargeur voiture/m"),
        CAR_BRANDS,
        40,
    ),
    "motorbike-parts": Family(
        _n("exhaust/pot d'échappement/m; motorbike battery/batterie moto/f"), CAR_BRANDS, 90
    ),
    "motorbike-gear": Family(
        _n("motorbike helmet/casque moto/m; motorbike jacket/blouson moto/m; gloves/gants/m"),
        SPORT_BRANDS,
        80,
    ),
    "pushchairs": Family(
        _n("pushchair/poussette/f; pram/landau/m; double buggy/poussette double/f"),
        KIDS_BRANDS,
        120,
    ),
    "car-seats": Family(_n("car seat/siège auto/m; booster seat/rehausseur/m"), KIDS_BRANDS, 60),
    "nursery-furniture": Family(
        _n("cot/lit bébé/m; changing table/table à langer/f; high chair/chaise haute/f"),
        KIDS_BRANDS,
        60,
    ),
    "baby-care": Family(
        _n(
            "baby bottle set/lot de biberons/m; baby monitor/babyphone/m; bottle warmer/chauffe-biberon/m"
        ),
        KIDS_BRANDS,
        20,
    ),
    "baby-carriers": Family(
        _n("baby carrier/porte-bébé/m; baby wrap/écharpe de portage/f"), KIDS_BRANDS, 40
    ),
    "toys": Family(
        _n(
            "toy/jouet/m; LEGO set/boîte LEGO/f; doll/poupée/f; wooden toy/jouet en bois/m; toys bundle/lot de jouets/m"
        ),
        KIDS_BRANDS,
        15,
    ),
    "dog-supplies": Family(
        _n("dog basket/panier pour chien/m; dog crate/cage de transport/f; lead/laisse/f"),
        PET_BRANDS,
        20,
    ),
    "cat-supplies": Family(
        _n("cat tree/arbre à chat/m; litter box/bac à litière/m"), PET_BRANDS, 25
    ),
    "small-pet-supplies": Family(
        _n("aquarium/aquarium/m; bird cage/cage à oiseaux/f; hamster cage/cage à hamster/f"),
        PET_BRANDS,
        30,
    ),
    "tool-rental": Family(
        _n(
            "drill/perceuse/f; concrete mixer/bétonnière/f; scaffolding/échafaudage/m; floor sander/ponceuse à parquet/f"
        ),
        TOOL_BRANDS,
        15,
    ),
    "garden-equipment-rental": Family(
        _n("lawn mower/tondeuse/f; tiller/motoculteur/m; wood splitter/fendeuse/f"), TOOL_BRANDS, 20
    ),
    "event-rental": Family(
        _n(
            "party tent/tente de réception/f; sound system/sono/f; table and benches/tables et bancs/f"
        ),
        NONE,
        40,
    ),
    "ski-rental": Family(_n("skis/skis/m; snowboard/snowboard/m"), SPORT_BRANDS, 15),
    "camping-rental": Family(_n("tent/tente/f; campervan kit/kit camping-car/m"), SPORT_BRANDS, 12),
    "bike-rental": Family(
        _n("bike/vélo/m; electric bike/vélo électrique/m; cargo bike/vélo cargo/m"), BIKE_BRANDS, 20
    ),
    "water-sports-rental": Family(_n("kayak/kayak/m; paddle board/paddle/m"), SPORT_BRANDS, 25),
    "photo-video-rental": Family(
        _n("camera/appareil photo/m; lens/objectif/m; drone/drone/m"), AV_BRANDS, 30
    ),
    "clothing-rental": Family(
        _n("costume/déguisement/m; evening dress/robe de soirée/f; suit/costume/m"),
        FASHION_BRANDS,
        25,
    ),
    "baby-gear-rental": Family(
        _n("pushchair/poussette/f; travel cot/lit parapluie/m; car seat/siège auto/m"),
        KIDS_BRANDS,
        8,
    ),
    "trailer-rental": Family(_n("trailer/remorque/f; roof box/coffre de toit/m"), NONE, 20),
    "moving-help": Family(
        _n("moving help/aide au déménagement/f; van and driver/camionnette avec chauffeur/f"),
        NONE,
        25,
    ),
    "handyman": Family(
        _n(
            "furniture assembly/montage de meubles/m; odd jobs/petits travaux/m; painting/peinture/f; shelf fitting/pose d'étagères/f"
        ),
        NONE,
        25,
    ),
    "gardening": Family(
        _n(
            "gardening/jardinage/m; hedge trimming/taille de haies/f; lawn mowing/tonte de pelouse/f"
        ),
        NONE,
        22,
    ),
    "cleaning": Family(
        _n("cleaning/ménage/m; ironing/repassage/m; window cleaning/nettoyage de vitres/m"),
        NONE,
        18,
    ),
    "tutoring": Family(
        _n(
            "maths tutoring/cours de maths/m; homework help/aide aux devoirs/f; physics lessons/cours de physique/m"
        ),
        NONE,
        22,
    ),
    "language-lessons": Family(
        _n(
            "English lessons/cours d'anglais/m; French lessons/cours de français/m; Spanish lessons/cours d'espagnol/m"
        ),
        NONE,
        22,
    ),
    "music-lessons": Family(
        _n(
            "piano lessons/cours de piano/m; guitar lessons/cours de guitare/m; singing lessons/cours de chant/m"
        ),
        NONE,
        25,
    ),
    "sports-coaching": Family(
        _n(
            "personal training/coaching sportif/m; yoga classes/cours de yoga/m; tennis lessons/cours de tennis/m"
        ),
        NONE,
        30,
    ),
    "it-help": Family(
        _n(
            "computer repair/dépannage informatique/m; website creation/création de site web/f; phone repair/réparation de téléphone/f"
        ),
        NONE,
        30,
    ),
    "babysitting": Family(
        _n("babysitting/baby-sitting/m; after-school childcare/garde d'enfants après l'école/f"),
        NONE,
        12,
    ),
    "pet-sitting": Family(
        _n(
            "dog walking/promenade de chiens/f; pet sitting/garde d'animaux/f; cat sitting/garde de chat/f"
        ),
        NONE,
        15,
    ),
    "repairs": Family(
        _n(
            "clothing alterations/retouches/f; bike repair/réparation de vélo/f; appliance repair/réparation d'électroménager/f"
        ),
        NONE,
        25,
    ),
    "event-services": Family(
        _n(
            "DJ for parties/DJ pour soirées/m; wedding photographer/photographe de mariage/m; catering/traiteur/m"
        ),
        NONE,
        200,
        1.0,
    ),
    "other": Family(
        _n("item/objet/m; bundle/lot/m; miscellaneous items/objets divers/m"), NONE, 15, 1.2
    ),
}

# Categories shoppers list most (first = most frequent); the rest follow in taxonomy order.
POPULAR = (
    "women-tops",
    "smartphones",
    "women-dresses-skirts",
    "books",
    "toys",
    "women-shoes",
    "men-tops",
    "sofas-armchairs",
    "city-bikes",
    "laptops",
    "baby-clothing",
    "games",
    "consoles",
    "women-coats-jackets",
    "tables-chairs",
    "men-shoes",
    "kitchen-appliances",
    "handbags",
    "electric-bikes",
    "storage-furniture",
    "pushchairs",
    "power-tools",
    "televisions",
    "headphones",
    "comics",
    "men-trousers-jeans",
    "tablets",
    "decorative-objects",
)
POPULAR_SERVICES = ("handyman", "tutoring", "moving-help", "cleaning", "babysitting", "gardening")
POPULAR_RENTALS = ("tool-rental", "event-rental", "bike-rental", "ski-rental", "trailer-rental")

# --- adjectives, colours, conditions -----------------------------------------------------------

# (English, French masculine, French feminine)
ADJECTIVES: tuple[tuple[str, str, str], ...] = (
    ("vintage", "vintage", "vintage"),
    ("like new", "comme neuf", "comme neuve"),
    ("barely used", "peu servi", "peu servie"),
    ("beautiful", "beau", "belle"),
    ("superb", "superbe", "superbe"),
    ("practical", "pratique", "pratique"),
    ("compact", "compact", "compacte"),
    ("light", "léger", "légère"),
    ("sturdy", "solide", "solide"),
    ("retro", "rétro", "rétro"),
    ("elegant", "élégant", "élégante"),
    ("comfortable", "confortable", "confortable"),
    ("original", "original", "originale"),
    ("large", "grand", "grande"),
    ("small", "petit", "petite"),
    ("complete", "complet", "complète"),
    ("rare", "rare", "rare"),
    ("handmade", "fait main", "faite main"),
)
COLOURS: tuple[tuple[str, str, str], ...] = (
    ("black", "noir", "noire"),
    ("white", "blanc", "blanche"),
    ("grey", "gris", "grise"),
    ("blue", "bleu", "bleue"),
    ("navy", "bleu marine", "bleu marine"),
    ("red", "rouge", "rouge"),
    ("green", "vert", "verte"),
    ("beige", "beige", "beige"),
    ("brown", "marron", "marron"),
    ("pink", "rose", "rose"),
    ("yellow", "jaune", "jaune"),
    ("silver", "argenté", "argentée"),
)
# Condition enum value -> (English phrase, French phrase)
CONDITIONS: dict[str, tuple[str, str]] = {
    "NEW": ("brand new with tags", "neuf avec étiquette"),
    "LIKE_NEW": ("as good as new", "comme neuf"),
    "GOOD": ("good condition", "bon état"),
    "FAIR": ("some signs of wear", "état correct, quelques traces d'usure"),
    "FOR_PARTS": ("for parts or repair", "pour pièces ou à réparer"),
}

# --- sentence templates (slots: {noun} {brand} {colour} {city} {year} {n}) -----------------------

EN_SENTENCES = (
    "Bought in {year} and used only a handful of times.",
    "Selling because I am moving to a smaller flat.",
    "Collection in {city}, or I can post it at your expense.",
    "Smoke-free and pet-free home.",
    "No scratches, no stains, works perfectly.",
    "Original box and receipt included.",
    "Price is slightly negotiable for a quick sale.",
    "Happy to answer any questions, just send a message.",
    "I can meet near the station in {city} on weekday evenings.",
    "It was a present and I never really used it.",
    "Cleaned and checked before listing.",
    "Measurements available on request.",
    "See photos for the exact condition.",
    "Perfect for students or a first home.",
    "Comes with all the accessories shown.",
    "Fits true to size, the colour is {colour}.",
    "Great value compared to the {n} pounds it cost new.",
    "Upgraded to a newer model so this one has to go.",
    "Available from this weekend, first come first served.",
    "Also happy to swap for something similar.",
    "Minor marks on the side, nothing that affects use.",
    "Ideal as a gift, still in its packaging.",
    "Battery holds its charge well.",
    "Can deliver within {n} km of {city} for a small fee.",
    "Please no time wasters, serious buyers only.",
    "Bundle discount if you buy several items.",
    "Stored in a dry cellar, no damp or rust.",
    "The quality really shows, built to last.",
    "Kids have outgrown it, it served us well.",
    "Collection only, it does not fit in a parcel.",
)
FR_SENTENCES = (
    "Acheté en {year} et très peu utilisé.",
    "Je le vends car je déménage dans un appartement plus petit.",
    "À récupérer sur {city}, envoi possible à vos frais.",
    "Maison non fumeur et sans animaux.",
    "Aucune rayure, aucune tache, fonctionne parfaitement.",
    "Vendu avec la boîte d'origine et la facture.",
    "Prix légèrement négociable pour une vente rapide.",
    "N'hésitez pas à me contacter pour toute question.",
    "Remise en main propre possible près de la gare de {city} en semaine.",
    "C'était un cadeau, je ne m'en suis presque jamais servi.",
    "Nettoyé et vérifié avant la mise en vente.",
    "Dimensions disponibles sur demande.",
    "Voir les photos pour l'état exact.",
    "Idéal pour un étudiant ou un premier logement.",
    "Livré avec tous les accessoires visibles sur les photos.",
    "Taille normalement, la couleur est {colour}.",
    "Très bonne affaire, payé {n} euros neuf.",
    "Je suis passé à un modèle plus récent, il doit partir.",
    "Disponible dès ce week-end, premier arrivé premier servi.",
    "Échange possible contre un article similaire.",
    "Légères marques sur le côté, sans incidence sur l'utilisation.",
    "Idéal pour offrir, encore dans son emballage.",
    "La batterie tient très bien la charge.",
    "Livraison possible dans un rayon de {n} km autour de {city}.",
    "Pas sérieux s'abstenir, merci.",
    "Réduction si vous prenez plusieurs articles.",
    "Stocké dans une cave sèche, ni humidité ni rouille.",
    "De la qualité, du solide qui dure.",
    "Les enfants ont grandi, il nous a bien servi.",
    "À venir chercher sur place, trop volumineux pour un colis.",
    "Possibilité de paiement sécurisé via la plateforme.",
    "Vente cause double emploi.",
)

EN_OPENERS = (
    "Selling my {brand} {noun}.",
    "{brand} {noun} for sale, {cond}.",
    "I am selling a {adj} {noun} from {brand}.",
    "Lovely {colour} {noun}, {cond}.",
    "{noun} in {cond}, barely used since {year}.",
)
FR_OPENERS_M = (
    "Je vends mon {noun} {brand}.",
    "{noun} {brand} à vendre, {cond}.",
    "Vends {noun} {adj} de la marque {brand}.",
    "Joli {noun} {colour}, {cond}.",
    "{noun} en {cond}, très peu servi depuis {year}.",
)
FR_OPENERS_F = (
    "Je vends ma {noun} {brand}.",
    "{noun} {brand} à vendre, {cond}.",
    "Vends {noun} {adj} de la marque {brand}.",
    "Jolie {noun} {colour}, {cond}.",
    "{noun} en {cond}, très peu servie depuis {year}.",
)

SERVICE_EN = (
    "I offer {noun} around {city}, evenings and weekends.",
    "Experienced and reliable, references available.",
    "Rates per hour, travel included within {n} km.",
    "Available at short notice, send me a message with your needs.",
)
SERVICE_FR = (
    "Je propose {noun} sur {city} et alentours, en soirée et le week-end.",
    "Sérieux et expérimenté, références disponibles.",
    "Tarif à l'heure, déplacement inclus dans un rayon de {n} km.",
    "Disponible rapidement, contactez-moi avec votre besoin.",
)

FIRST_NAMES = (
    "Camille",
    "Léa",
    "Manon",
    "Chloé",
    "Inès",
    "Sarah",
    "Julie",
    "Emma",
    "Louise",
    "Alice",
    "Lucas",
    "Hugo",
    "Thomas",
    "Nicolas",
    "Julien",
    "Antoine",
    "Maxime",
    "Louis",
    "Arthur",
    "Paul",
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Emily",
    "Sophie",
    "Grace",
    "Jack",
    "Oliver",
    "Harry",
    "George",
    "Noah",
    "James",
    "William",
    "Liam",
    "Ethan",
    "Mathilde",
    "Élodie",
    "Stéphane",
    "François",
    "Benoît",
    "Céline",
    "Hélène",
    "Gaëlle",
    "Noémie",
    "Théo",
    "Jérôme",
    "Zoé",
)
LAST_INITIALS = "ABCDEFGHIJKLMNOPRSTVW"
