"""Words, shops, items and number and date formats of the generated non-English receipts (benchmark data only).

Everything here is fictitious. Per locale: shops (name, street and town lists), items per kind of shop with a
price range, the labels printed on receipts and invoices, month names, date formats, number formats and where
the currency goes. `make_locale_receipts.py` draws from these at random with a fixed seed.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")

# `{d}` day, `{dd}` zero-padded day, `{m}`/`{mm}` month, `{yy}`/`{yyyy}` year, `{month}` the month's name
LOCALES: dict[str, dict[str, Any]] = {
    "de": {
        "decimal": ",",
        "thousands": [".", ""],
        "currency": [("€", "after"), ("EUR", "after"), ("EUR", "before")],
        "months": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
        "dates": ["{dd}.{mm}.{yyyy}", "{d}. {month} {yyyy}", "{dd}.{mm}.{yy}"],
        "shops": {
            "grocery": ["Frischmarkt Huber GmbH", "Lebensmittel Krause", "Biomarkt Sonnenhof"],
            "drugstore": ["Drogerie Lindner", "Apotheke am Rathaus"],
            "hardware": ["Baumarkt Krämer KG", "Eisenwaren Vogt GmbH", "Elektro Becker GmbH & Co. KG"],
            "cafe": ["Bäckerei Schmidt", "Café am Markt"],
        },
        "streets": ["Hauptstraße", "Bahnhofstraße", "Lindenweg", "Marktplatz", "Schillerstraße", "Gartenstraße"],
        "towns": ["80331 München", "50667 Köln", "10115 Berlin", "70173 Stuttgart", "04109 Leipzig", "28195 Bremen"],
        "street_format": "{street} {number}",
        "labels": {
            "total": ["SUMME", "Gesamt", "zu zahlen", "Betrag", "SUMME EUR", "Gesamtbetrag"],
            "invoice_total": ["Gesamtbetrag", "Rechnungsbetrag", "zu zahlen", "Gesamt"],
            "subtotal": ["Zwischensumme", "Nettobetrag", "Summe netto"],
            "till_subtotal": ["Zwischensumme", "Zwischensumme EUR"],
            "tax": ["MwSt {rate}%", "USt. {rate} %", "enth. MwSt {rate}%"],
            "net": "Netto",
            "gross": "Brutto",
            "cash": ["Bar", "Gegeben", "BAR EUR"],
            "change": ["Rückgeld", "Zurück"],
            "card": ["EC-Karte", "Kartenzahlung"],
            "date": ["Datum", "Datum:"],
            "time": "Uhrzeit",
            "receipt_no": ["Beleg-Nr.", "Bon-Nr.", "Bon"],
            "invoice": "RECHNUNG",
            "invoice_no": ["Rechnungsnummer", "Rechnung Nr."],
            "due": ["Zahlbar bis", "Fällig am"],
            "customer": "Kunde",
            "phone": ["Tel.", "Telefon"],
            "tax_id": ["USt-IdNr. DE{n9}", "St.-Nr. {n3}/{n3}/{n5}"],
            "cashier": ["Kasse {n1}", "Bediener {n2}"],
            "thanks": ["Vielen Dank für Ihren Einkauf!", "Danke und auf Wiedersehen"],
            "head": ("Artikel", "Menge", "Preis", "Betrag"),
            "iban": "IBAN DE{n2} {n4} {n4} {n4} {n4} {n2}",
        },
        "tax_rates": [19, 7],
        "customers": ["Schreinerei Wagner GmbH", "Hausverwaltung Roth", "Praxis Dr. Neumann"],
    },
    "fr": {
        "decimal": ",",
        "thousands": [" ", ""],
        "currency": [("€", "after"), ("EUR", "after")],
        "months": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
        "dates": ["{dd}/{mm}/{yyyy}", "{d} {month} {yyyy}", "{dd}-{mm}-{yyyy}", "{dd}/{mm}/{yy}"],
        "shops": {
            "grocery": ["Supermarché Les Halles", "Épicerie du Marché", "Primeur Lefèvre"],
            "drugstore": ["Pharmacie du Centre", "Parfumerie Rose SARL"],
            "hardware": ["Bricolage Martin SARL", "Quincaillerie Bernard SAS"],
            "cafe": ["Boulangerie Dupont", "Café de la Gare"],
        },
        "streets": ["rue de la République", "avenue Jean Jaurès", "place du Marché", "boulevard Victor Hugo"],
        "towns": ["69002 Lyon", "75011 Paris", "31000 Toulouse", "13001 Marseille", "44000 Nantes"],
        "street_format": "{number} {street}",
        "labels": {
            "total": ["TOTAL TTC", "Net à payer", "TOTAL", "Montant TTC", "A PAYER"],
            "invoice_total": ["Total TTC", "Net à payer", "Montant TTC"],
            "subtotal": ["Total HT", "Sous-total", "Montant HT"],
            "till_subtotal": ["Sous-total", "SOUS TOTAL"],
            "tax": ["TVA {rate}%", "TVA {rate} %", "dont TVA {rate} %"],
            "net": "HT",
            "gross": "TTC",
            "cash": ["Espèces", "ESPECES"],
            "change": ["Rendu", "Monnaie rendue"],
            "card": ["Carte bancaire", "CB"],
            "date": ["Date", "Le"],
            "time": "Heure",
            "receipt_no": ["Ticket n°", "N° ticket"],
            "invoice": "FACTURE",
            "invoice_no": ["Facture n°", "N° de facture"],
            "due": ["Échéance", "À régler avant le"],
            "customer": "Client",
            "phone": ["Tél.", "Tél :"],
            "tax_id": ["SIRET {n3} {n3} {n3} {n5}", "TVA intracom. FR{n2}{n9}"],
            "cashier": ["Caisse {n1}", "Vendeur {n2}"],
            "thanks": ["Merci de votre visite", "À bientôt !"],
            "head": ("Désignation", "Qté", "P.U.", "Montant"),
            "iban": "IBAN FR76 {n4} {n4} {n4} {n4} {n4} {n3}",
        },
        "tax_rates": [20, 10, 5.5],
        "customers": ["Menuiserie Girard", "Cabinet Lambert", "Restaurant Le Petit Pont"],
    },
    "es": {
        "decimal": ",",
        "thousands": [".", ""],
        "currency": [("€", "after"), ("EUR", "after"), ("EUR", "before")],
        "months": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
        "dates": ["{dd}/{mm}/{yyyy}", "{d} de {month} de {yyyy}", "{dd}-{mm}-{yyyy}"],
        "shops": {
            "grocery": ["Supermercado La Plaza S.L.", "Frutería Martínez", "Ultramarinos Sánchez"],
            "drugstore": ["Farmacia Central", "Droguería Ruiz"],
            "hardware": ["Ferretería López S.A.", "Bricolaje Navarro S.L."],
            "cafe": ["Panadería García", "Cafetería El Sol"],
        },
        "streets": ["Calle Mayor", "Avenida de la Constitución", "Calle Real", "Plaza de España"],
        "towns": ["28013 Madrid", "08002 Barcelona", "41001 Sevilla", "46002 Valencia", "50001 Zaragoza"],
        "street_format": "{street}, {number}",
        "labels": {
            "total": ["TOTAL", "Importe", "TOTAL A PAGAR", "Total compra"],
            "invoice_total": ["TOTAL", "Importe total", "Total factura"],
            "subtotal": ["Base imponible", "Subtotal"],
            "till_subtotal": ["Subtotal", "SUBTOTAL"],
            "tax": ["IVA {rate}%", "Cuota IVA {rate}%", "IVA {rate} % incl."],
            "net": "Base",
            "gross": "Total",
            "cash": ["Efectivo", "ENTREGADO"],
            "change": ["Cambio", "Devolución"],
            "card": ["Tarjeta", "Pago con tarjeta"],
            "date": ["Fecha", "Fecha:"],
            "time": "Hora",
            "receipt_no": ["Ticket nº", "Nº ticket"],
            "invoice": "FACTURA",
            "invoice_no": ["Factura nº", "Nº factura"],
            "due": ["Vencimiento", "Fecha de vencimiento"],
            "customer": "Cliente",
            "phone": ["Tel.", "Teléfono"],
            "tax_id": ["CIF B{n8}", "NIF {n8}Z"],
            "cashier": ["Caja {n1}", "Atendido por {n2}"],
            "thanks": ["Gracias por su compra", "Gracias por su visita"],
            "head": ("Descripción", "Cant.", "Precio", "Importe"),
            "iban": "IBAN ES{n2} {n4} {n4} {n4} {n4} {n4}",
        },
        "tax_rates": [21, 10],
        "customers": ["Talleres Moreno S.L.", "Gestoría Ortega", "Bar Los Arcos"],
    },
    "en": {
        "decimal": ".",
        "thousands": [",", ""],
        "currency": [("£", "before"), ("GBP", "before"), ("£", "before")],
        "months": "January February March April May June July August September October November December",
        "dates": ["{dd}/{mm}/{yyyy}", "{d} {month} {yyyy}", "{month} {d}, {yyyy}", "{yyyy}-{mm}-{dd}"],
        "shops": {
            "grocery": ["Greenfield Grocers Ltd", "Market Street Deli", "Corner Stores"],
            "drugstore": ["Riverside Pharmacy", "Boots & Co Chemists"],
            "hardware": ["Hartley Hardware Ltd", "Bright Home Stores Ltd"],
            "cafe": ["The Coffee House", "Oakwood Bakery"],
        },
        "streets": ["High Street", "Station Road", "Church Lane", "Victoria Road", "Mill Street"],
        "towns": ["Cambridge CB2 1AB", "York YO1 7HH", "Leeds LS1 4AP", "Bristol BS1 5TR", "Bath BA1 1LZ"],
        "street_format": "{number} {street}",
        "labels": {
            "total": ["TOTAL", "Total to pay", "BALANCE DUE", "Amount due"],
            "invoice_total": ["Total due", "Amount due", "TOTAL"],
            "subtotal": ["Subtotal", "Sub-total"],
            "till_subtotal": ["Subtotal", "SUB TOTAL"],
            "tax": ["VAT {rate}%", "VAT @ {rate}%", "incl. VAT {rate}%"],
            "net": "Net",
            "gross": "Gross",
            "cash": ["Cash", "CASH TEND"],
            "change": ["Change", "Change due"],
            "card": ["Card", "Visa debit"],
            "date": ["Date", "Date:"],
            "time": "Time",
            "receipt_no": ["Receipt No", "Trans #"],
            "invoice": "INVOICE",
            "invoice_no": ["Invoice No", "Invoice #"],
            "due": ["Payment due", "Due date"],
            "customer": "Bill to",
            "phone": ["Tel", "Phone"],
            "tax_id": ["VAT Reg No GB{n3} {n4} {n2}", "Company No {n8}"],
            "cashier": ["Till {n1}", "Served by {n2}"],
            "thanks": ["Thank you for shopping with us", "Please call again"],
            "head": ("Description", "Qty", "Price", "Amount"),
            "iban": "Sort code {n2}-{n2}-{n2} Account {n8}",
        },
        "tax_rates": [20, 5],
        "customers": ["Wilson Joinery Ltd", "Parkside Surgery", "The Red Lion"],
    },
}

# name, lowest and highest unit price; the same kinds in every locale
ITEMS: dict[str, dict[str, list[tuple[str, float, float]]]] = {
    "de": {
        "grocery": [
            ("Vollmilch 3,5% 1L", 0.99, 1.49),
            ("Bio Eier 10 St.", 2.49, 3.99),
            ("Roggenbrot 750g", 1.79, 2.99),
            ("Gouda jung 400g", 2.29, 3.49),
            ("Äpfel Elstar 1kg", 1.99, 2.99),
            ("Kaffee gemahlen 500g", 4.99, 7.99),
            ("Mineralwasser 6x1,5L", 2.49, 3.99),
            ("Butter 250g", 1.69, 2.49),
        ],
        "drugstore": [
            ("Zahnpasta 75ml", 0.95, 2.45),
            ("Duschgel 250ml", 1.25, 3.95),
            ("Shampoo 300ml", 1.95, 4.95),
            ("Taschentücher 10x10", 1.15, 1.95),
            ("Sonnencreme LSF 30", 4.95, 9.95),
            ("Vitamin C Tabl.", 2.45, 5.95),
        ],
        "hardware": [
            ("Schrauben 4x40 200 St.", 3.99, 8.99),
            ("Akku-Bohrschrauber 18V", 79.0, 189.0),
            ("Wandfarbe weiß 10L", 29.9, 69.9),
            ("Laminat Eiche m²", 8.99, 24.99),
            ("Silikon transparent", 4.49, 9.99),
            ("Kabeltrommel 25m", 24.9, 49.9),
            ("Holzleim 750g", 5.99, 11.99),
        ],
        "cafe": [
            ("Cappuccino", 2.8, 4.2),
            ("Brezel", 0.8, 1.3),
            ("Croissant", 1.2, 2.1),
            ("Apfelkuchen", 2.5, 3.9),
            ("Latte Macchiato", 3.2, 4.5),
            ("Belegtes Brötchen", 2.9, 4.8),
        ],
    },
    "fr": {
        "grocery": [
            ("Lait demi-écrémé 1L", 0.89, 1.29),
            ("Baguette tradition", 0.95, 1.35),
            ("Camembert 250g", 1.99, 3.49),
            ("Pommes Golden 1kg", 1.79, 2.99),
            ("Café moulu 250g", 2.99, 5.49),
            ("Yaourt nature x8", 1.59, 2.79),
            ("Eau minérale 6x1,5L", 2.19, 3.79),
            ("Beurre doux 250g", 1.89, 2.99),
        ],
        "drugstore": [
            ("Dentifrice 75ml", 1.49, 3.49),
            ("Gel douche 250ml", 1.99, 4.49),
            ("Crème solaire SPF30", 7.9, 15.9),
            ("Doliprane 1000mg", 1.9, 2.9),
            ("Mouchoirs x10", 1.2, 2.2),
            ("Shampooing 300ml", 2.49, 5.99),
        ],
        "hardware": [
            ("Vis à bois 4x40 x200", 4.5, 9.9),
            ("Perceuse visseuse 18V", 69.0, 199.0),
            ("Peinture blanche 10L", 34.9, 79.9),
            ("Parquet chêne m²", 12.9, 39.9),
            ("Mastic silicone", 4.9, 9.9),
            ("Enrouleur 25m", 24.9, 54.9),
            ("Colle à bois 750g", 6.9, 12.9),
        ],
        "cafe": [
            ("Café crème", 2.2, 3.8),
            ("Croissant", 1.0, 1.6),
            ("Pain au chocolat", 1.1, 1.8),
            ("Tarte aux pommes", 2.5, 4.2),
            ("Chocolat chaud", 2.8, 4.5),
            ("Sandwich jambon", 3.9, 6.5),
        ],
    },
    "es": {
        "grocery": [
            ("Leche entera 1L", 0.79, 1.19),
            ("Pan de barra", 0.6, 1.1),
            ("Queso manchego 250g", 3.49, 5.99),
            ("Manzanas 1kg", 1.69, 2.79),
            ("Café molido 250g", 2.49, 4.99),
            ("Huevos docena", 1.89, 3.29),
            ("Agua mineral 6x1,5L", 1.99, 3.49),
            ("Aceite de oliva 1L", 4.99, 8.99),
        ],
        "drugstore": [
            ("Pasta de dientes 75ml", 1.29, 3.29),
            ("Gel de ducha 750ml", 1.99, 4.49),
            ("Protector solar SPF50", 8.95, 16.95),
            ("Paracetamol 1g", 1.5, 2.9),
            ("Pañuelos x10", 0.99, 1.99),
            ("Champú 400ml", 1.99, 4.99),
        ],
        "hardware": [
            ("Tornillos 4x40 x200", 3.95, 8.95),
            ("Taladro atornillador 18V", 59.0, 179.0),
            ("Pintura blanca 15L", 29.9, 74.9),
            ("Tarima roble m²", 9.95, 29.95),
            ("Silicona transparente", 3.95, 8.95),
            ("Alargador 25m", 19.9, 44.9),
            ("Cola blanca 750g", 4.95, 9.95),
        ],
        "cafe": [
            ("Café con leche", 1.3, 2.2),
            ("Tostada con tomate", 1.8, 3.2),
            ("Croissant", 1.1, 1.9),
            ("Zumo de naranja", 2.2, 3.8),
            ("Bocadillo jamón", 3.5, 5.9),
            ("Churros", 2.0, 3.5),
        ],
    },
    "en": {
        "grocery": [
            ("Semi skimmed milk 2L", 1.15, 1.65),
            ("Free range eggs x6", 1.49, 2.49),
            ("Wholemeal bread", 0.95, 1.75),
            ("Cheddar 400g", 2.5, 4.2),
            ("Gala apples 1kg", 1.6, 2.6),
            ("Ground coffee 227g", 3.2, 5.5),
            ("Still water 6x1.5L", 1.8, 3.2),
            ("Salted butter 250g", 1.85, 2.75),
        ],
        "drugstore": [
            ("Toothpaste 75ml", 1.0, 3.0),
            ("Shower gel 250ml", 1.2, 3.5),
            ("Sun cream SPF30", 5.0, 12.0),
            ("Paracetamol 16", 0.39, 1.2),
            ("Tissues x12", 1.0, 2.0),
            ("Shampoo 400ml", 1.8, 4.5),
        ],
        "hardware": [
            ("Wood screws 4x40 x200", 3.99, 8.99),
            ("Cordless drill 18V", 59.0, 169.0),
            ("White emulsion 10L", 24.0, 59.0),
            ("Oak flooring m2", 14.99, 34.99),
            ("Clear silicone", 3.99, 8.99),
            ("Cable reel 25m", 19.99, 44.99),
            ("Wood glue 750g", 5.49, 10.99),
        ],
        "cafe": [
            ("Flat white", 2.6, 3.6),
            ("Croissant", 1.4, 2.2),
            ("Bacon roll", 2.9, 4.5),
            ("Scone & jam", 2.2, 3.5),
            ("Pot of tea", 2.0, 3.0),
            ("Carrot cake", 2.8, 3.9),
        ],
    },
}


def money(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def format_amount(value: Decimal, decimal: str, thousands: str) -> str:
    """`1234.5` as `1.234,50` (decimal ',', thousands '.'), `1,234.50`, `1 234,50` or `1234,50`."""
    sign = "-" if value < 0 else ""
    whole, cents = f"{abs(value):.2f}".split(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return f"{sign}{thousands.join(groups)}{decimal}{cents}"


def with_currency(amount: str, symbol: str, where: str) -> str:
    if where == "before":
        return f"{symbol}{amount}" if symbol in "£$" else f"{symbol} {amount}"
    return f"{amount} {symbol}"


def format_date(pattern: str, year: int, month: int, day: int, months: list[str]) -> str:
    return pattern.format(
        d=day, dd=f"{day:02d}", m=month, mm=f"{month:02d}", yy=f"{year % 100:02d}", yyyy=year, month=months[month - 1]
    )
