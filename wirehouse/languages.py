"""Languages in one spelling: pages, feed lists and watches name them in tags of every vintage
("en-GB", "en_US.UTF-8", ISO 639-2's "eng" and "ger", the retired "iw"), and a query for
`language = 'en'` must find them all.

Only a tag's first subtag is read (a bounded match, whatever follows), and it is mapped by
CLDR's alias table, where the alias names a two-letter code: "eng" is "en" and "iw" is "he",
but "tl" stays "tl" (its alias "fil" is another code, not a spelling) and "sh" stays "sh"
(CLDR's "sr-Latn" would label Croatian text Serbian). Those aliases are written here, as
langcodes 3.5 ships them (tests/test_languages.py compares them): importing its table took
40-70 ms and 10 MB in every process.
"""

from __future__ import annotations

import re

# two or three letters not followed by another letter or digit: whatever comes next (a subtag's
# "-" or "_", a locale's ".UTF-8", a list's "," or ";q=", a space, "@latin") ends the subtag
_PRIMARY = re.compile(r"([A-Za-z]{2,3})(?![^\W_])")
# tags that name no one language: undetermined, several, no linguistic content
_NO_LANGUAGE = frozenset({"und", "mul", "zxx", "mis"})
# CLDR's aliases of a two- or three-letter code that are a two-letter code ("alias:code")
_ALIAS_TABLE = """
    aar:aa abk:ab adp:dz afr:af aka:ak alb:sq amh:am ara:ar arg:an arm:hy asm:as ava:av
    ave:ae aym:ay aze:az bak:ba bam:bm baq:eu bel:be ben:bn bih:bh bis:bi bod:bo bos:bs
    bre:br bul:bg bur:my cat:ca ces:cs cha:ch che:ce chi:zh chu:cu chv:cv cor:kw cos:co
    cre:cr cym:cy cze:cs dan:da deu:de div:dv drh:mn dut:nl dzo:dz ell:el eng:en epo:eo
    est:et eus:eu ewe:ee fao:fo fas:fa fij:fj fin:fi fra:fr fre:fr fry:fy ful:ff geo:ka
    ger:de gla:gd gle:ga glg:gl glv:gv gre:el grn:gn guj:gu hat:ht hau:ha heb:he her:hz
    hin:hi hmo:ho hrv:hr hun:hu hye:hy ibo:ig ice:is ido:io iii:ii iku:iu ile:ie in:id
    ina:ia ind:id ipk:ik isl:is ita:it iw:he jav:jv ji:yi jpn:ja jw:jv kal:kl kan:kn
    kas:ks kat:ka kau:kr kaz:kk khm:km kik:ki kin:rw kir:ky kom:kv kon:kg kor:ko kua:kj
    kur:ku lao:lo lat:la lav:lv lim:li lin:ln lit:lt ltz:lb lub:lu lug:lg mac:mk mah:mh
    mal:ml mao:mi mar:mr may:ms mkd:mk mlg:mg mlt:mt mo:ro mol:mo mon:mn mri:mi msa:ms
    mya:my nau:na nav:nv nbl:nr nde:nd ndo:ng nep:ne nld:nl nno:nn nob:nb nor:no nya:ny
    oci:oc oji:oj ori:or orm:om oss:os pan:pa per:fa pli:pi pol:pl por:pt pus:ps que:qu
    roh:rm ron:ro rum:ro run:rn rus:ru sag:sg san:sa scc:sr scr:hr sin:si slk:sk slo:sk
    slv:sl sme:se smo:sm sna:sn snd:sd som:so sot:st spa:es sqi:sq srd:sc srp:sr ssw:ss
    sun:su swa:sw swe:sv tah:ty tam:ta tat:tt tel:te tgk:tg tha:th tib:bo tir:ti ton:to
    tsn:tn tso:ts tuk:tk tur:tr twi:tw uig:ug ukr:uk urd:ur uzb:uz ven:ve vie:vi vol:vo
    wel:cy wln:wa wol:wo xho:xh yid:yi yor:yo zha:za zho:zh zul:zu
"""
_ALIASES = dict(pair.split(":") for pair in _ALIAS_TABLE.split())
# an alias of an alias ("mol" is "mo", which is "ro") to its end, so a code read twice stays
_TWO_LETTER_ALIASES = {alias: _ALIASES.get(code, code) for alias, code in _ALIASES.items()}


def primary_language(tag: str) -> str | None:
    """The language a tag names, as one lower-case code ("eng", "en-GB" and "en_US" give "en",
    "ger" gives "de", "iw" gives "he"); None for text that starts with no language subtag, a
    private-use code (qaa-qtz) or a tag that names no one language."""
    match = _PRIMARY.match(tag.strip())
    if match is None:
        return None
    code = match.group(1).lower()
    if code in _NO_LANGUAGE or (len(code) == 3 and "qaa" <= code <= "qtz"):
        return None
    return _TWO_LETTER_ALIASES.get(code, code)


# a well-formed BCP 47 tag as people write it: a 2-3 letter language, then subtags ("pt-BR",
# "zh-Hant-TW", "en_US")
_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*")


def tag_language(tag: object) -> str:
    """The language a tag a person configured names (`primary_language`); ValueError, saying
    why, for a value that is no tag or a tag that names no one language ("und", "mul")."""
    if not isinstance(tag, str) or not _TAG.fullmatch(tag.strip()):
        raise ValueError(f"language must be a BCP 47 tag such as 'de' or 'pt-BR', not {tag!r}")
    language = primary_language(tag)
    if language is None:
        raise ValueError(f"{tag!r} names no one language: name one such as 'de', or leave it out")
    return language
