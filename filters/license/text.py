"""Read what a licence statement's own words say it covers (en, de, fr, es, it, nl).

The region of the page (:mod:`filters.license.regions`) says where a statement is; these vocabularies
say what it is about (HTML Standard §4.6.7.9 link type ``license``):

* **coverage**: does the statement name the text ("Texte", "all content", "articles") or only
  something else ("Die Bilder in diesem Blog", "Alle Fotos", "user contributions", "Lightbox2",
  "Karte: © OpenStreetMap")? Part phrases that contain a text word ("user contributions",
  "Nutzerbeiträge") are removed first; then a text word wins over part words ("Texte und
  Bilder"), and part words alone make the statement part-level. Third-party excerpts within
  the text ("Textausschnitte aus Wikipedia") are their own class: part of the text, under
  someone else's terms.
* **subject**: does it name the whole site ("content on this site", "Dieses Weblog", "alle
  Inhalte dieser Website", "except where otherwise noted") or this page ("this article", "Dieser
  Text", "the content of this page")?
* **grant**: is it a licensing statement at all ("licensed under", "steht unter", "sous
  licence", "bajo licencia", "sotto licenza", "onder licentie", "Lizenz:") rather than a mention
  in prose ("the conditions of CC licences", "their creative commons licence")?
* **reservation**: "All rights reserved" / "Alle Rechte vorbehalten" / … (but not CC's own
  "some rights reserved"), and explicit "not openly licensed".

All functions take *normalised* text (:func:`filters.license.names.normalize_text`: lower case, unified
dashes and apostrophes) and return the words that matched, so the scope reason can quote them.
"""

from __future__ import annotations

import re


def _words(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![\w])")


#: What users contributed ("user contributions licensed under cc by-sa"): a part of a company
#: blog, but the main text itself on a page that *is* user content (a Q&A or forum thread).
USER_CONTRIBUTIONS = _words(
    r"user[\s-]*(?:contributions|contributed(?:\s+content)?|generated\s+content)",
    r"contributions\s+by\s+users",
    r"nutzerbeitr[äa]ge",
    r"beitr[äa]ge\s+der\s+(?:nutzer|leser)\w*",
    r"contributions\s+des\s+utilisateurs",
    r"contribuciones\s+de\s+(?:los\s+)?usuarios",
    r"contributi\s+degli\s+utenti",
    r"bijdragen\s+van\s+gebruikers",
)

#: Phrases naming a part even though they contain a text-ish word; removed before text words.
PART_PHRASES = _words(
    r"user[\s-]*(?:contributions|contributed|generated\s+content)",
    r"contributions\s+by\s+users",
    r"reader\s+comments?",
    r"comments?",
    r"nutzerbeitr[äa]ge",
    r"beitr[äa]ge\s+der\s+(?:nutzer|leser)\w*",
    r"leserkommentare?",
    r"kommentare?",
    r"contributions\s+des\s+utilisateurs",
    r"commentaires",
    r"contribuciones\s+de\s+(?:los\s+)?usuarios",
    r"comentarios",
    r"contributi\s+degli\s+utenti",
    r"commenti",
    r"bijdragen\s+van\s+gebruikers",
    r"reacties",
)

#: Things other than the page's text that licence statements are often about.
PART_WORDS = _words(
    # images and media
    r"photos?",
    r"photographs?",
    r"photography",
    r"images?",
    r"pictures?",
    r"pics",
    r"illustrations?",
    r"graphics?",
    r"artwork",
    r"drawings?",
    r"videos?",
    r"audio",
    r"music",
    r"songs?",
    r"sounds?",
    r"maps?",
    r"map\s+(?:data|tiles)",
    r"tiles",
    r"logos?",
    r"icons?",
    r"fonts?",
    r"typefaces?",
    r"screenshots?",
    r"thumbnails?",
    r"(?:header|cover|featured|lead)\s+image",
    r"credits?",
    r"fotos?",
    r"fotografien?",
    r"bilder[n]?",
    r"bild",
    r"abbildung(?:en)?",
    r"grafik(?:en)?",
    r"illustrationen",
    r"zeichnung(?:en)?",
    r"musik",
    r"tonaufnahmen",
    r"karten?",
    r"kartendaten",
    r"titelbild",
    r"beitragsbild",
    r"headerbild",
    r"vorschaubild",
    r"bildnachweis",
    r"bildquelle",
    r"fotonachweis",
    r"photographies?",
    r"vid[ée]os?",
    r"musiques?",
    r"cartes?",
    r"ic[ôo]nes",
    r"cr[ée]dits?\s+photos?",
    r"image\s+illustrative",
    r"fotograf[íi]as?",
    r"im[áa]genes",
    r"imagen",
    r"ilustraci(?:[óo]n|ones)",
    r"m[úu]sica",
    r"mapas?",
    r"logotipos?",
    r"iconos?",
    r"fotografie",
    r"immagin[ei]",
    r"illustrazion[ei]",
    r"musica",
    r"mapp[ae]",
    r"loghi",
    r"icone",
    r"foto's",
    r"afbeelding(?:en)?",
    r"beelden",
    r"illustraties?",
    r"video's",
    r"muziek",
    r"kaarten",
    # sources of third-party media
    r"wikimedia\s+commons",
    r"flickr",
    r"unsplash",
    r"pixabay",
    r"getty\s+images",
    r"shutterstock",
    r"istock(?:photo)?",
    r"openstreetmap",
    r"mapbox",
    r"leaflet",
    r"stamen",
    # data, files and quotations
    r"data",
    r"daten",
    r"donn[ée]es",
    r"datos",
    r"dati",
    r"gegevens",
    r"datasets?",
    r"datens[äa]tze?",
    r"files?",
    r"datei(?:en)?",
    r"fichiers?",
    r"archivos?",
    r"bestand(?:en)?",
    r"zitate?",
    r"quotes?",
    r"quotations?",
    # software and page furniture
    r"software",
    r"source\s+code",
    r"code",
    r"quellcode",
    r"scripts?",
    r"javascript",
    r"plug-?ins?",
    r"themes?",
    r"templates?",
    r"librar(?:y|ies)",
    r"frameworks?",
    r"lightbox\w*",
    r"jquery",
    r"bootstrap",
    r"font\s*awesome",
    r"widgets?",
)

#: Third-party text *inside* the main text ("Die Textausschnitte stammen aus Wikipedia …"): a
#: statement about them does not license the text, but its terms apply to part of it.
EXCERPT_WORDS = _words(
    r"excerpts?",
    r"ausz[üu]ge?",
    r"textausz[üu]ge?",
    r"textausschnitte?",
    r"textpassagen",
    r"extraits?",
    r"fragmentos?",
    r"extractos?",
    r"estratt[oi]",
    r"brani",
    r"fragmenten",
    r"tekstfragmenten",
    r"uittreksels?",
)

#: Excerpt phrases that contain a text word ("text excerpts"); removed before text words.
EXCERPT_PHRASES = _words(
    r"text\s+(?:excerpts?|passages?|extracts?)",
    r"(?:excerpts?|passages?|extracts?)\s+(?:of|from)\s+(?:the\s+)?texts?",
    r"extraits?\s+de\s+(?:textes?|texte)",
    r"extractos?\s+de\s+textos?",
    r"fragmentos?\s+de\s+textos?",
    r"(?:estratti|brani)\s+di\s+testo",
    r"tekst(?:fragmenten|passages)",
)

#: Words for the text itself (a statement naming them covers the main text).
TEXT_WORDS = _words(
    r"texts?",
    r"textual",
    r"articles?",
    r"posts?",
    r"blog\s*posts?",
    r"stor(?:y|ies)",
    r"contents?",
    r"writings?",
    r"essays?",
    r"entries",
    r"entry",
    r"documentation",
    r"texte[n]?",
    r"textuellen?",
    r"textlichen?",
    r"inhalte?[n]?",
    r"artikel[n]?",
    r"beitr[äa]ge[n]?",
    r"beitrag",
    r"blogbeitr[äa]ge",
    r"eintr[äa]ge",
    r"textes?",
    r"contenus?",
    r"billets?",
    r"textos?",
    r"contenidos?",
    r"art[íi]culos?",
    r"entradas?",
    r"testi",
    r"testo",
    r"contenut[io]",
    r"articol[io]",
    r"teksten",
    r"tekst",
    r"inhoud",
    r"artikelen",
    r"berichten",
)

#: The statement names the whole site (or says it is the default for the site).
SITE_WORDS = _words(
    r"this\s+(?:web\s*)?(?:site|blog|weblog|wiki)",
    r"(?:the|our)\s+(?:web\s*)?site",
    r"site\s+content",
    r"all\s+(?:the\s+)?(?:content|contents|texts|articles|posts|material)",
    r"our\s+content",
    r"everything\s+on\s+this",
    r"(?:except|unless)\s+(?:where\s+)?(?:otherwise|explicitly)\s+(?:noted|stated|indicated|specified|marked)",
    r"unless\s+stated\s+otherwise",
    r"if\s+not\s+(?:explicitly\s+)?(?:specified|stated|noted)\s+otherwise",
    r"diese[rsmn]?\s+(?:web\s*)?(?:site|seite|webseite|homepage|blog|weblog|wiki|angebot|website)",
    r"(?:alle|s[äa]mtliche)\s+(?:inhalte|texte|beitr[äa]ge|artikel)",
    r"die\s+von\s+uns\s+\w+\s+inhalte",
    r"inhalte\s+dieser",
    r"(?:sofern|soweit|wenn|falls|wo)\s+nicht\s+anders",
    r"ce\s+(?:site|blog)",
    r"(?:le|notre)\s+site",
    r"tou[st]\s+(?:le|les)\s+(?:contenus?|textes|articles)",
    r"l'ensemble\s+des\s+contenus",
    r"sauf\s+(?:mention|indication)\s+contraire",
    r"este\s+(?:sitio|blog|web)",
    r"tod[oa]s?\s+(?:el|los|las)\s+(?:contenidos?|textos|art[íi]culos)",
    r"salvo\s+(?:que\s+se\s+indique|indicaci[óo]n)",
    r"questo\s+(?:sito|blog)",
    r"tutti\s+i\s+(?:contenuti|testi|articoli)",
    r"salvo\s+diversa\s+indicazione",
    r"ove\s+non\s+diversamente",
    r"deze\s+(?:web)?(?:site|blog)",
    r"alle\s+(?:inhoud|teksten|artikelen)",
    r"tenzij\s+anders",
)

#: The statement names this page/article specifically.
PAGE_WORDS = _words(
    r"this\s+(?:article|post|story|text|page|entry|episode|preprint|paper|document|podcast|blog\s+post"
    r"|essay|report|recipe|tutorial|guide|chapter|interview)",
    # Scholarly publishers' standard open-access statement ("This is an open access article
    # distributed under the terms of the Creative Commons Attribution License…"): it names the
    # article it is printed in, even without the words "this article".
    r"this\s+is\s+an?\s+(?:open[\s-]*access\s+)?(?:article|paper|preprint|chapter|review|book"
    r"|publication)",
    r"(?:dieser|diesen|diesem)\s+(?:artikel|beitrag|text|blogbeitrag|eintrag)",
    r"(?:dieses|diesem)\s+(?:dokument|interview|rezept|tutorial|st[üu]ck)",
    r"diese\s+(?:seite|episode|folge|ausgabe|geschichte)",
    r"(?:cet|ce|cette)\s+(?:article|texte|billet|page|document|[ée]pisode|entretien)",
    r"(?:este|esta)\s+(?:art[íi]culo|texto|entrada|p[áa]gina|documento|episodio)",
    r"quest[oa]\s+(?:articolo|testo|pagina|post|documento)",
    r"(?:dit|deze)\s+(?:artikel|bericht|stuk|document|verhaal|pagina|tekst|post|aflevering)",
)

#: Chooser boilerplate that names "the work": page or site depending on where it stands.
GENERIC_WORK = _words(
    r"this\s+work",
    r"dieses\s+werk",
    r"cette\s+[œo]e?uvre",
    r"esta\s+obra",
    r"quest'opera",
    r"dit\s+werk",
)

#: Licensing verbs and labels: the sentence grants (or states) a licence.
GRANT = re.compile(
    r"licen[cs]ed|available\b.{0,60}\bunder\b|(?:published|released|distributed|provided|offered|shared)\s+under"
    r"|under\s+(?:a|an|the|this)?\s*.{0,100}?licen[cs]e|under\s+cc\b|dedicated\s+to\s+the\s+public\s+domain"
    r"|(?:is|are)\s+in\s+the\s+public\s+domain|(?:^|[\s(])(?:license|licence|licensing|lizenz|licencia|licenza"
    r"|licentie|licencja)\s*:"
    r"|lizenziert|stehen?\s+unter|unterlieg(?:t|en)|(?:ver[öo]ffentlicht|verf[üu]gbar|verbreitet)\s+unter"
    r"|unter\s+(?:einer|der|die)\b.{0,100}?lizenz|gemeinfrei"
    r"|sous\s+(?:la\s+|une\s+)?licence|mis\s+[àa]\s+disposition|(?:publi[ée]|distribu[ée])e?s?\s+sous"
    r"|en\s+licence|domaine\s+public"
    r"|bajo\s+(?:una\s+|la\s+)?licencia|est[áa]\s+bajo|se\s+distribuye|con\s+licencia|publicad[oa]\s+bajo"
    r"|sotto\s+(?:una\s+|la\s+)?licenza|con\s+licenza|rilasciat[oa]|distribuit[oa]\s+con"
    r"|onder\s+(?:een\s+|de\s+)?licentie|valt\s+onder|gelicentieerd|beschikbaar\s+onder"
)

#: Someone else's licence talked about ("their creative commons licence").
THIRD_PARTY = re.compile(
    r"\b(?:their|his|her|ihre[rn]?|seine[rn]?|leur|sus?|loro|hun|zijn)\s+(?:own\s+)?"
    r"(?:creative|cc\b|cc-|licen|lizenz)"
    r"|\b[\w-]+'s\s+(?:texts?|content|articles?|photos?|images?|works?)\b"
)

#: Explicit reservations. CC's own "some rights reserved" is excluded by :func:`reservations`.
RESERVED = re.compile(
    r"all\s+rights?\s+reserved|alle\s+rechte\s+vorbehalten|tous\s+droits\s+r[ée]serv[ée]s"
    r"|todos\s+los\s+derechos\s+reservados|tutti\s+i\s+diritti\s+riservati"
    r"|alle\s+rechten\s+voorbehouden|wszelkie\s+prawa\s+zastrze|wszystkie\s+prawa\s+zastrze"
    r"|無断転載を禁じ|not\s+(?:openly|freely)\s+licen[cs]ed|is\s+not\s+licen[cs]ed"
    r"|nicht\s+(?:frei|offen)\s+lizenziert"
)
_SOME_RIGHTS = re.compile(r"(?:some|einige|certains|algunos|alcuni|sommige)\s+$")

#: "A or B": an explicit dual licence.
DUAL = re.compile(r"(?<![\w-])(?:or|oder|ou|o|of|either)(?![\w-])")

#: Visual separators that split a footer line into independent clauses.
CLAUSE_SEP = re.compile(r"\s[|•·]\s|\s[|•·]|[|•·]\s")


def coverage(context: str, *, user_content: bool = False) -> tuple[str | None, str]:
    """``("text"|"excerpt"|"part", word)`` or ``(None, "")`` for a statement's context.

    ``excerpt`` (third-party passages within the text) wins over other part words: "Fotos und
    Textausschnitte aus Wikipedia" concerns the text too. With ``user_content`` (the page's
    main content is itself user-contributed), "user contributions" name the text.
    """
    if user_content:
        contributed = USER_CONTRIBUTIONS.search(context)
        if contributed:
            return "text", contributed.group(0)
    phrase = PART_PHRASES.search(context)
    rest = PART_PHRASES.sub(" ", context) if phrase else context
    quoted = EXCERPT_PHRASES.search(rest)
    if quoted:
        rest = EXCERPT_PHRASES.sub(" ", rest)
    text = TEXT_WORDS.search(rest)
    if text:
        return "text", text.group(0)
    quoted = quoted or EXCERPT_WORDS.search(rest)
    if quoted:
        return "excerpt", quoted.group(0)
    if phrase:
        return "part", phrase.group(0)
    part = PART_WORDS.search(rest)
    if part:
        return "part", part.group(0)
    return None, ""


def subject(statement: str) -> tuple[str | None, str]:
    """``("page"|"site"|"work", words)`` when the statement names what it licenses."""
    m = PAGE_WORDS.search(statement)
    if m:
        return "page", m.group(0)
    m = SITE_WORDS.search(statement)
    if m:
        return "site", m.group(0)
    m = GENERIC_WORK.search(statement)
    if m:
        return "work", m.group(0)
    return None, ""


def grant_cue(context: str) -> str | None:
    """Return the licensing verb or label in ``context``, or None."""
    m = GRANT.search(context)
    return " ".join(m.group(0).split())[:60] if m else None


def third_party(context: str) -> str | None:
    """Return the words in ``context`` that attribute the work to a third party, or None."""
    m = THIRD_PARTY.search(context)
    return m.group(0) if m else None


def reservations(text: str) -> list[tuple[int, int, str]]:
    """Spans of explicit rights reservations in normalised ``text``."""
    out: list[tuple[int, int, str]] = []
    for m in RESERVED.finditer(text):
        if _SOME_RIGHTS.search(text[max(0, m.start() - 12) : m.start()]):
            continue
        out.append((m.start(), m.end(), m.group(0)))
    return out


__all__ = [
    "CLAUSE_SEP",
    "DUAL",
    "coverage",
    "grant_cue",
    "reservations",
    "subject",
    "third_party",
]
