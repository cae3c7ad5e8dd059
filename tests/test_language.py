"""Language labels: seeded, repeatable, ISO 639-1, ``und`` when unsure."""
from __future__ import annotations

import subprocess
import sys

from policy_debates.tag.language import UND, detect, normalise_code

TEXTS = {
    "de": "Die Bundesregierung will die Vorratsdatenspeicherung wieder einführen, obwohl Gerichte sie mehrfach gekippt haben.",
    "fr": "Le gouvernement souhaite généraliser la vidéosurveillance algorithmique après les Jeux olympiques.",
    "es": "El ayuntamiento instalará cámaras de reconocimiento facial en las estaciones de metro el próximo año.",
    "it": "Il Garante per la privacy ha sanzionato il comune per l'uso illecito delle telecamere intelligenti.",
    "nl": "De politie wil gezichtsherkenning inzetten bij grote evenementen, maar de privacytoezichthouder is kritisch.",
    "pl": "Ministerstwo chce wydłużyć okres przechowywania danych telekomunikacyjnych przez operatorów.",
    "pt": "O governo pretende usar reconhecimento facial nos aeroportos, mas especialistas alertam para os riscos.",
    "en": "The city council voted to ban police use of facial recognition technology until stronger safeguards exist.",
}


def test_eight_languages_are_recognised():
    assert {lang: detect(t).language for lang, t in TEXTS.items()} == {lang: lang for lang in TEXTS}


def test_short_text_is_undetermined():
    assert detect("Hallo Welt").language == UND
    assert detect("").language == UND


def test_codes_are_iso_639_1():
    assert normalise_code("zh-cn") == "zh" and normalise_code("zh-TW") == "zh" and normalise_code("de") == "de"


def test_chinese_is_zh():
    assert detect("政府计划在地铁站安装人脸识别摄像头，隐私专家对此表示担忧，认为这将导致大规模监控。市政府表示，所有图像将在三十天后删除。").language == "zh"


def test_same_labels_and_scores_in_a_fresh_process():
    """langdetect is random unless seeded: a new interpreter must agree exactly."""
    here = {lang: detect(t) for lang, t in TEXTS.items()}
    code = (
        "import json,sys; from policy_debates.tag.language import detect; "
        "t=json.load(sys.stdin); print(json.dumps({k:[detect(v).language, detect(v).score] for k,v in t.items()}))"
    )
    import json

    out = subprocess.run([sys.executable, "-c", code], input=json.dumps(TEXTS), capture_output=True, text=True, check=True).stdout
    there = json.loads(out)
    assert {k: [v.language, v.score] for k, v in here.items()} == there
