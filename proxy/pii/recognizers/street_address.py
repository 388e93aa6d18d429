"""Street addresses written the English, German, Dutch, Polish, French, Spanish and Italian
way (house number, street type, optional postcode and city)."""

from __future__ import annotations

from proxy.pii.recognizers.base import ValidatedRecognizer

_CAP = r"[A-ZÄÖÜÉÈ][A-Za-zÀ-ÿß'.-]*"
_EN_TYPES = (
    "Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|"
    "Terrace|Parkway|Pkwy|Circle|Cir|Trail|Highway|Hwy|Square|Sq|Alley|Loop|Path|Pike|Plaza|"
    "Row|Run|Walk|Crescent|Close|Grove|Gardens|Heights|Hill|Hills|Park|Point|Ridge|View|"
    "Vista|Valley|Village|Mission|Plains|Ports?|Ranch|Ramp|Springs?|Stream|Summit|Station|"
    "Shores?|Squares?|Creek|Crossing|Estates?|Extension|Falls|Ferry|Fields?|Forest|Fork|Glen|"
    "Green|Harbor|Haven|Island|Junction|Key|Knolls?|Lakes?|Landing|Light|Lock|Lodge|Manor|"
    "Meadows?|Mills?|Mount|Mountains?|Orchard|Oval|Pass|Passage|Pines?|Prairie|Rapids?|Rest|"
    "River|Roads?|Route|Shoals?|Skyway|Streets?|Throughway|Trace|Track|Tunnel|Turnpike|"
    "Underpass|Union|Viaduct|Views?|Ville|Wall|Ways?|Wells?|Branch|Bridge|Brooks?|Burgs?|"
    "Bypass|Camp|Canyon|Cape|Causeway|Centers?|Cliffs?|Club|Common|Corners?|Course|Courts?|"
    "Coves?|Crest|Curve|Dale|Dam|Divide|Drives?|Expressway|Flats?|Fords?|Forges?|Forks|Fort|"
    "Freeway|Gateway|Glens|Greens|Groves|Harbors|Hollow|Inlet|Isle|Junctions|Keys|Land|"
    "Lights|Loaf|Locks|Mall|Manors|Mews|Motorway|Neck|Overpass|Parks|Parkways|Pine|Plain|"
    "Points|Radial|Ridges|Spur|Spurs|Stravenue|Trafficway|Valleys|Villages|Walks"
)
_EN_TAIL = (r"(?:,? (?:Apt\.|Suite|Unit) \d+)?(?:(?:,\s*|\n)[A-Z][A-Za-z .]+,? [A-Z]{2} \d{5}"
            r"|(?:,\s*|\n)[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}(?: [A-Z][A-Za-z]+)+)?")  # US, UK
_DE_TYPES = (r"(?i:straße|strasse|str\.|weg|gasse|platz|allee|ring|damm|ufer|chaussee|steig"
             r"|pfad|markt|berg|straat|laan|plein|gracht|kade|singel|dijk|steeg|pad|dreef|hof)")
_FR_TYPES = (r"(?:rue|avenue|av\.|boulevard|bd|chemin|place|impasse|allée|quai|route|cours"
             r"|passage|square)")
_ES_IT_TYPES = ("Calle|Avenida|Paseo|Plaza|Camino|Ronda|Vial|Pasadizo|Travesía|Callejón|Cuesta"
                "|Glorieta|Alameda|Via|Viale|Piazza|Corso|Stretto|Canale|Largo|Vicolo|Contrada"
                "|Borgo|Strada|Rotonda|Piazzale")
# City names of several words join them with a lower-case word (Frankfurt am Main, Neunburg
# vorm Wald); a second capitalized word is more likely the next name in the sentence.
_POSTCODE_CITY = (r"(?:(?:,\s*|\n)(?:\d{5}|\d{4} ?[A-Z]{2}) [A-ZÄÖÜÉ][\w'-]+"
                  r"(?: (?:am|an der|im|in der|vorm|ob der|bei|sur|sous|en|lès)"
                  r" [A-ZÄÖÜÉ][\w'-]+)?)?")


class StreetAddressRecognizer(ValidatedRecognizer):
    ENTITY = "LOCATION"
    PATTERNS = (
        ("en", rf"\d{{1,6}} (?:{_CAP} ){{1,4}}(?:{_EN_TYPES})\.?{_EN_TAIL}", 0.9),
        ("en_military", r"(?:USNS|USNV|USS|USCGC|PSC|Unit) [\w ,]+\n?[AF]PO A[AEP] \d{5}", 0.9),
        ("de", rf"(?:{_CAP}[ -]){{0,3}}[A-Za-zÄÖÜäöüß-]*{_DE_TYPES} \d{{1,4}}\s?[a-z]?(?:[/-]\d+)?"
               rf"{_POSTCODE_CITY}", 0.9),
        ("fr", rf"(?:\d{{1,4}}(?: ?bis| ?ter)?,? )?(?i:{_FR_TYPES}) (?:[\w'-]+ ?){{1,5}}"
               rf"{_POSTCODE_CITY}", 0.9),
        ("es_it", rf"(?:{_ES_IT_TYPES}) (?:(?:de|del|de la|di|della|dei) )?{_CAP}"
                  rf"(?: {_CAP}){{0,3}},? \d{{1,4}}"
                  r"(?: Puerta \d+ ?)?(?:,\s*\d{5} [A-ZÁÉÍÓÚ][\w'-]+(?: [\w'-]+){0,3})?",
         0.9),
        ("pl", r"(?:ul|al|pl|os)\. [A-ZĄĆĘŁŃÓŚŹŻ][\w-]+(?: [\w-]+){0,2} \d{1,4}[a-z]?(?:/\d+)?"
               r"(?:,\s*\d{2}-\d{3} [A-ZĄĆĘŁŃÓŚŹŻ][\w-]+)?", 0.9),
    )
    TRIGGER = (rf"(?:{_ES_IT_TYPES}) [A-Za-z]|(?:ul|al|pl|os)\. [A-Z]|\d [A-Z]|{_DE_TYPES} \d"
               rf"|(?i:{_FR_TYPES}) |[AF]PO A[AEP]")
