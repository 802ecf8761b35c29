"""Arabic stop words for topic modelling and similarity: function words, UN report boilerplate.

Written in plain Arabic; :data:`STOP_WORDS` holds their normalised forms and light stems, so a token
is dropped when its normalised form or its stem is in the set.
"""

from __future__ import annotations

from egm_text.analyze.normalize import normalize_ar, stem

_FUNCTION = """
في من على إلى الى عن مع أن إن أو أي أيضا ما لا لم لن قد كما كان كانت يكون تكون يكن هو هي هم هما
هذا هذه ذلك تلك هذان هؤلاء التي الذي الذين اللذين اللتين اللاتي التى منها فيها عليها إليها لها له
به بها بين حيث حتى ثم بل غير دون بعد قبل عند عندما خلال ضمن جميع كل بعض أكثر أقل مثل نحو سواء
ولا وإن وأن وفي ومن فيما بما مما كذلك وكذلك أيضاً إذ إذا لكي لكن لأن كي تم يتم جرى بشأن بموجب
وفقا وفق لدى لدي عبر ولا سيما سيما فضلا علاوة ذات ذو أحد إحدى هناك هنا حال أمور جملة أما إما
أجل بغية بغرض وذلك كيفية مدى نطاق إطار سياق صدد الصدد شأن الشأن مجال مجالات يمكن ينبغي يجب يلزم
قبيل سبيل جهة أخرى آخر آخرين الأخرى أخرين تلك بأن بأنه أنه أنها وأنه وأن لذلك لهذا ومن ثم منذ
"""

_BOILERPLATE = """
أشار أشير أشارت وأشار وأشير شدد وشدد أكد رأى ورأى ذكر وذكر اقترح واقترح لوحظ ولوحظ أوصي أوصى يوصى
يوصي تشجع تدعى دعا المتكلمين المتكلمون متكلمون متكلمين عدد العديد الدول الدولة الأعضاء البلدان
البلد بلد دولة دول الجريمة الجرائم جريمة جرائم السيبرانية السيبراني سيبرانية التصدي مكافحة تعزيز
تدابير التدابير الفقرة المادة الأمم المتحدة فعالة الفعالة الفعال الضروري ضرورة الحاجة حاجة أهمية
المهم الرامية اللازمة المتعلقة المتعلق يتعلق تتعلق المعني المعنية بشأنها قرار قرارها
"""

STOP_SURFACE = frozenset(normalize_ar(w) for w in (_FUNCTION + _BOILERPLATE).split())
STOP_WORDS = frozenset(STOP_SURFACE | {stem(w) for w in STOP_SURFACE if len(stem(w)) > 2})


def is_stop(token: str, token_stem: str | None = None) -> bool:
    """True for a stop word, a number, punctuation or a one-letter token."""
    if token in STOP_SURFACE or len(token) < 2 or token.isdigit() or token == "/":
        return True
    return (token_stem or stem(token)) in STOP_WORDS
