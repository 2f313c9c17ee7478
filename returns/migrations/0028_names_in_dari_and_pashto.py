"""Code lists in Dari and Pashto: the return types, document types, specific-needs codes and
assistance types that earlier migrations loaded, and the routing rules' explanations (matched by
their English text: the same sentence in every version of the rules). Only empty names are filled.
"""

from django.db import migrations

# code: (Dari, Pashto)
RETURN_TYPES = {
    "voluntary_repatriation": ("بازگشت داوطلبانه", "داوطلبانه راستنېدنه"),
    "spontaneous": ("بازگشت خودجوش", "خودجوشه راستنېدنه"),
    "deportation": ("اخراج اجباری", "جبري اخراج"),
    "other": ("سایر", "نور"),
}
DOCUMENT_TYPES = {
    "por_card": ("کارت PoR (اثبات ثبت\u200cنام)", "د PoR کارت (د نوم لیکنې ثبوت)"),
    "amayesh_card": ("کارت آمایش", "د آمایش کارت"),
    "vrf": ("VRF (فورم بازگشت داوطلبانه)", "VRF (د داوطلبانه راستنېدنې فورمه)"),
    "acc": ("ACC (کارت شهروندی افغان)", "ACC (د افغان وګړي کارت)"),
    "census_slip": ("ورقه سرشماری ایران (سرشماری نفوس)", "د ایران د سرشمېرنې پاڼه (د نفوسو شمېرنه)"),
    "tazkira": ("تذکره (کارت هویت ملی افغانستان)", "تذکره (د افغانستان ملي پېژندپاڼه)"),
    "passport": ("پاسپورت", "پاسپورټ"),
    "visa": ("ویزه", "ویزه"),
    "other": ("سند دیگر", "بل سند"),
}
# The IOM provincial offices, created by returns 0011 (after agencies 0014 named the others).
IOM_PROVINCIAL_OFFICES = {
    "IBL": ("دفتر ولایتی IOM در بلخ", "په بلخ کې د IOM ولایتي دفتر"),
    "IHR": ("دفتر ولایتی IOM در هرات", "په هرات کې د IOM ولایتي دفتر"),
    "IKB": ("دفتر ولایتی IOM در کابل", "په کابل کې د IOM ولایتي دفتر"),
    "IKD": ("دفتر ولایتی IOM در کندهار", "په کندهار کې د IOM ولایتي دفتر"),
    "IKZ": ("دفتر ولایتی IOM در کندز", "په کندز کې د IOM ولایتي دفتر"),
    "ING": ("دفتر ولایتی IOM در ننگرهار", "په ننګرهار کې د IOM ولایتي دفتر"),
}
# "scheme:code": (Dari, Pashto)
NEED_CODES = {
    "iom_vulnerability:CI": ("بیمار مزمن", "اوږدمهاله ناروغ"),
    "iom_vulnerability:DA": ("معتاد به مواد مخدر", "د مخدره توکو روږدی"),
    "iom_vulnerability:DF": ("خانواده اخراج\u200cشده", "اخراج شوې کورنۍ"),
    "iom_vulnerability:MC": ("مورد طبی", "طبي قضیه"),
    "iom_vulnerability:MI": ("بیمار روانی", "رواني ناروغ"),
    "iom_vulnerability:PD": ("دارای معلولیت جسمی", "جسمي معلولیت لرونکی"),
    "iom_vulnerability:PF": ("خانواده فقیر", "بې وزله کورنۍ"),
    "iom_vulnerability:SC": ("مورد خاص", "ځانګړې قضیه"),
    "iom_vulnerability:SF": ("زن تنها", "یوازې ښځه"),
    "iom_vulnerability:SP": ("خانواده تک\u200cسرپرست", "یو سرپرسته کورنۍ"),
    "iom_vulnerability:UE": ("سالمند بدون همراه", "بې ملګري زوړ کس"),
    "iom_vulnerability:UMC": ("کودک مهاجر بدون همراه", "بې سرپرسته مهاجر ماشوم"),
    "unhcr_snc:CR": ("کودک در معرض خطر", "له خطر سره مخ ماشوم"),
    "unhcr_snc:DS": ("معلولیت", "معلولیت"),
    "unhcr_snc:DS-PM": ("معلولیت جسمی، متوسط", "جسمي معلولیت، منځنی"),
    "unhcr_snc:ER": ("سالمند در معرض خطر", "له خطر سره مخ زوړ کس"),
    "unhcr_snc:FU": ("وحدت خانواده", "د کورنۍ یووالی"),
    "unhcr_snc:FU-TR": ("نیاز به جستجوی اعضای خانواده", "د کورنۍ د غړو لټون ته اړتیا"),
    "unhcr_snc:LP": ("نیازهای مشخص حمایت حقوقی و فزیکی", "د حقوقي او فزیکي ساتنې ځانګړې اړتیاوې"),
    "unhcr_snc:SC": ("کودک بدون همراه یا جدا شده از خانواده", "بې سرپرسته یا له کورنۍ جلا شوی ماشوم"),
    "unhcr_snc:SC-CH": ("خانواده تحت سرپرستی کودک", "هغه کورنۍ چې سرپرست یې ماشوم دی"),
    "unhcr_snc:SC-SC": ("کودک جدا شده از خانواده", "له کورنۍ جلا شوی ماشوم"),
    "unhcr_snc:SC-UC": ("کودک بدون همراه", "بې سرپرسته ماشوم"),
    "unhcr_snc:SM": ("وضعیت صحی جدی", "جدي روغتیايي ستونزه"),
    "unhcr_snc:SM-CI": ("بیماری مزمن", "اوږدمهاله ناروغي"),
    "unhcr_snc:SP": ("پدر یا مادر تنها (تک\u200cسرپرست)", "یوازې مور یا پلار (یو سرپرست)"),
    "unhcr_snc:SV": ("خشونت جنسی و مبتنی بر جنسیت", "جنسي او جنسیت پر بنسټ تاوتریخوالی"),
    "unhcr_snc:TR": ("شکنجه", "شکنجه"),
    "unhcr_snc:WR": ("زن در معرض خطر", "له خطر سره مخ ښځه"),
}
# "AGENCY:code": (Dari, Pashto)
ASSISTANCE_TYPES = {
    "IOM:meals": ("وعده\u200cهای غذایی", "د خوړو وعدې"),
    "IOM:transit_nights": ("شب\u200cهای اقامت در مرکز ترانزیت", "په ترانزیټي مرکز کې د پاتې کېدو شپې"),
    "IOM:nfi_kit": ("بسته مواد غیرغذایی", "د غیرخوراکي توکو کڅوړه"),
    "IOM:medical_screening": ("معاینه ابتدایی صحی", "لومړنۍ روغتیايي معاینه"),
    "IOM:transport_cash": ("پول نقد برای انتقال به مقصد", "مقصد ته د تګ لپاره نغدې پیسې"),
    "IOM:family_tracing": ("جستجوی اعضای خانواده", "د کورنۍ د غړو لټون"),
    "IOM:cash_for_protection": ("کمک نقدی برای حمایت", "د ساتنې لپاره نغدې مرسته"),
    "UNHCR:cash_grant": ("کمک نقدی بازگشت", "د راستنېدنې نغدې مرسته"),
    "UNHCR:return_supplement": ("کمک نقدی تکمیلی سه ماه پس از رسیدن", "له رارسېدو درې میاشتې وروسته اضافي نغدې مرسته"),
    "UNHCR:health_screening": ("معاینه صحی و واکسین", "روغتیايي معاینه او واکسین"),
    "UNHCR:mine_risk_awareness": ("جلسه آگاهی از خطر ماین", "د ماین له خطر څخه د پوهاوي غونډه"),
    "UNHCR:overnight_transit": ("اقامت شبانه در مرکز پرداخت پول نقد", "په د نغدو پیسو د ورکړې مرکز کې د شپې پاتې کېدل"),
    "UNHCR:counselling_referral": ("ارجاع برای مشوره حقوقی و اجتماعی", "د حقوقي او ټولنیزو مشورو لپاره راجع کول"),
}
# English explanation: (Dari, Pashto)
EXPLANATIONS = {
    "Holds an Afghan Citizen Card (ACC): documented but not a refugee, assisted by IOM.": (
        "دارای کارت شهروندی افغان (ACC) است: مدرک دارد اما پناهنده نیست؛ از سوی IOM کمک می\u200cشود.",
        "د افغان وګړي کارت (ACC) لري: اسناد لري خو کډوال نه دی؛ IOM ورسره مرسته کوي.",
    ),
    "Holds an Afghan Citizen Card (ACC): documented but not a refugee; IOM screens the family.": (
        "دارای کارت شهروندی افغان (ACC) است: مدرک دارد اما پناهنده نیست؛ IOM خانواده را ارزیابی می\u200cکند.",
        "د افغان وګړي کارت (ACC) لري: اسناد لري خو کډوال نه دی؛ IOM د کورنۍ ارزونه کوي.",
    ),
    "A refugee-card holder was deported rather than repatriated: a protection follow-up is opened.": (
        "دارنده کارت پناهندگی به جای بازگشت داوطلبانه، اخراج شده است: یک پرونده پیگیری حمایتی باز می\u200cشود.",
        "د کډوالۍ کارت لرونکی د داوطلبانه راستنېدو پر ځای جبري اخراج شوی دی: د ساتنې د تعقیب دوسیه پرانیستل کېږي.",
    ),
    "A refugee-card or VRF holder was deported rather than repatriated: flagged for protection follow-up.": (
        "دارنده "
        "کارت "
        "پناهندگی "
        "یا VRF "
        "به جای "
        "بازگشت "
        "داوطلبانه، "
        "اخراج "
        "شده "
        "است: "
        "برای "
        "پیگیری "
        "حمایتی "
        "علامت\u200cگذاری "
        "شده "
        "است.",
        "د "
        "کډوالۍ "
        "کارت یا "
        "VRF "
        "لرونکی "
        "د "
        "داوطلبانه "
        "راستنېدو "
        "پر ځای "
        "جبري "
        "اخراج "
        "شوی دی: "
        "د ساتنې "
        "د تعقیب "
        "لپاره "
        "په نښه "
        "شوی "
        "دی.",
    ),
    "The refugee card expired before arrival: assisted by IOM as undocumented, flagged for UNHCR to verify the registration.": (
        "اعتبار "
        "کارت "
        "پناهندگی "
        "پیش "
        "از "
        "رسیدن "
        "به "
        "پایان "
        "رسیده "
        "است: "
        "به "
        "عنوان "
        "فاقد "
        "مدرک "
        "از "
        "سوی "
        "IOM "
        "کمک "
        "می\u200cشود "
        "و "
        "برای "
        "بررسی "
        "و "
        "تأیید "
        "ثبت\u200cنام "
        "از "
        "سوی "
        "UNHCR "
        "علامت\u200cگذاری "
        "شده "
        "است.",
        "د "
        "کډوالۍ "
        "د "
        "کارت "
        "موده "
        "له "
        "رارسېدو "
        "مخکې "
        "پای "
        "ته "
        "رسېدلې "
        "ده: "
        "د "
        "بې "
        "اسنادو "
        "په "
        "توګه "
        "IOM "
        "ورسره "
        "مرسته "
        "کوي، "
        "او "
        "UNHCR "
        "ته "
        "په "
        "نښه "
        "شوی "
        "چې "
        "د "
        "نوم "
        "لیکنې "
        "تایید "
        "یې "
        "وکړي.",
    ),
    "Some members are on the VRF or hold a valid refugee card and others are not (mixed status): the family stays together, and UNHCR decides each member's entitlement at verification.": (
        "برخی "
        "از "
        "اعضا "
        "در "
        "VRF "
        "درج "
        "شده\u200cاند "
        "یا "
        "کارت "
        "پناهندگی "
        "معتبر "
        "دارند "
        "و "
        "برخی "
        "دیگر "
        "نه "
        "(وضعیت "
        "مختلط): "
        "خانواده "
        "با "
        "هم "
        "می\u200cماند "
        "و "
        "UNHCR "
        "هنگام "
        "تأیید، "
        "استحقاق "
        "هر "
        "عضو "
        "را "
        "تعیین "
        "می\u200cکند.",
        "ځینې "
        "غړي "
        "په "
        "VRF "
        "کې "
        "شامل "
        "دي "
        "یا "
        "د "
        "کډوالۍ "
        "معتبر "
        "کارت "
        "لري "
        "او "
        "نور "
        "نه "
        "(ګډ "
        "حالت): "
        "کورنۍ "
        "یو "
        "ځای "
        "پاتې "
        "کېږي، "
        "او "
        "UNHCR "
        "د "
        "تایید "
        "پر "
        "مهال "
        "د "
        "هر "
        "غړي "
        "د "
        "استحقاق "
        "پرېکړه "
        "کوي.",
    ),
    "Some members hold a valid refugee card and others aged 5 or over do not (mixed status): the household stays together and UNHCR verifies which members are eligible.": (
        "برخی "
        "از "
        "اعضا "
        "کارت "
        "پناهندگی "
        "معتبر "
        "دارند "
        "و "
        "برخی "
        "دیگر "
        "که "
        "5 "
        "سال "
        "یا "
        "بیشتر "
        "عمر "
        "دارند، "
        "ندارند "
        "(وضعیت "
        "مختلط): "
        "خانوار "
        "با "
        "هم "
        "می\u200cماند "
        "و "
        "UNHCR "
        "بررسی "
        "و "
        "تأیید "
        "می\u200cکند "
        "که "
        "کدام "
        "اعضا "
        "واجد "
        "شرایط "
        "هستند.",
        "ځینې "
        "غړي "
        "د "
        "کډوالۍ "
        "معتبر "
        "کارت "
        "لري "
        "او "
        "نور "
        "غړي "
        "چې "
        "5 "
        "کلن "
        "یا "
        "تر "
        "دې "
        "زیات "
        "عمر "
        "لري، "
        "نه "
        "یې "
        "لري "
        "(ګډ "
        "حالت): "
        "کورنۍ "
        "یو "
        "ځای "
        "پاتې "
        "کېږي "
        "او "
        "UNHCR "
        "تاییدوي "
        "چې "
        "کوم "
        "غړي "
        "وړ "
        "دي.",
    ),
    "Holds a passport or visa: not a refugee; IOM screens the family.": (
        "دارای پاسپورت یا ویزه است: پناهنده نیست؛ IOM خانواده را ارزیابی می\u200cکند.",
        "پاسپورټ یا ویزه لري: کډوال نه دی؛ IOM د کورنۍ ارزونه کوي.",
    ),
    "From 20 August 2025 a PoR-card holder may return without a VRF: DoRR issues a return certificate, UNHCR's partner interviews the family at the border and refers it to an encashment centre, where UNHCR decides targeted cash assistance.": (
        "از "
        "تاریخ "
        "20 "
        "اگست "
        "2025 "
        "به "
        "بعد، "
        "دارنده "
        "کارت "
        "PoR "
        "می\u200cتواند "
        "بدون "
        "VRF "
        "بازگردد: "
        "DoRR "
        "تصدیق\u200cنامه "
        "بازگشت "
        "صادر "
        "می\u200cکند، "
        "شریک "
        "UNHCR "
        "در "
        "مرز "
        "با "
        "خانواده "
        "مصاحبه "
        "کرده "
        "و "
        "آن "
        "را "
        "به "
        "مرکز "
        "پرداخت "
        "پول "
        "نقد "
        "ارجاع "
        "می\u200cدهد، "
        "و "
        "در "
        "آنجا "
        "UNHCR "
        "درباره "
        "کمک "
        "نقدی "
        "هدفمند "
        "تصمیم "
        "می\u200cگیرد.",
        "له "
        "20 "
        "اګست "
        "2025 "
        "راهیسې "
        "د "
        "PoR "
        "کارت "
        "لرونکی "
        "کولای "
        "شي "
        "پرته "
        "له "
        "VRF "
        "څخه "
        "راستون "
        "شي: "
        "DoRR "
        "د "
        "راستنېدنې "
        "تصدیقنامه "
        "صادروي، "
        "د "
        "UNHCR "
        "همکار "
        "سازمان "
        "په "
        "پوله "
        "کې "
        "له "
        "کورنۍ "
        "سره "
        "مرکه "
        "کوي "
        "او "
        "د "
        "نغدو "
        "پیسو "
        "د "
        "ورکړې "
        "مرکز "
        "ته "
        "یې "
        "راجع "
        "کوي، "
        "چېرې "
        "چې "
        "UNHCR "
        "د "
        "هدفي "
        "نغدي "
        "مرستې "
        "پرېکړه "
        "کوي.",
    ),
    "Holds a refugee card but returns without a VRF (spontaneously or deported): no VolRep grant and no encashment centre under this policy. IOM screens the family; UNHCR verifies the registration.": (
        "کارت "
        "پناهندگی "
        "دارد "
        "اما "
        "بدون "
        "VRF "
        "بازمی\u200cگردد "
        "(به\u200cطور "
        "خودجوش "
        "یا "
        "از "
        "طریق "
        "اخراج): "
        "طبق "
        "این "
        "پالیسی، "
        "نه "
        "کمک "
        "نقدی "
        "بازگشت "
        "داوطلبانه "
        "(VolRep) "
        "به "
        "او "
        "تعلق "
        "می\u200cگیرد "
        "و "
        "نه "
        "به "
        "مرکز "
        "پرداخت "
        "پول "
        "نقد "
        "فرستاده "
        "می\u200cشود. "
        "IOM "
        "خانواده "
        "را "
        "ارزیابی "
        "می\u200cکند؛ "
        "UNHCR "
        "ثبت\u200cنام "
        "را "
        "بررسی "
        "و "
        "تأیید "
        "می\u200cکند.",
        "د "
        "کډوالۍ "
        "کارت "
        "لري "
        "خو "
        "پرته "
        "له "
        "VRF "
        "څخه "
        "راستنېږي "
        "(خودجوشه "
        "یا "
        "د "
        "جبري "
        "اخراج "
        "له "
        "لارې): "
        "د "
        "دې "
        "پالیسۍ "
        "له "
        "مخې "
        "نه "
        "د "
        "VolRep "
        "نغدې "
        "مرسته "
        "ورکول "
        "کېږي "
        "او "
        "نه "
        "د "
        "نغدو "
        "پیسو "
        "د "
        "ورکړې "
        "مرکز "
        "ته "
        "لېږل "
        "کېږي. "
        "IOM "
        "د "
        "کورنۍ "
        "ارزونه "
        "کوي؛ "
        "UNHCR "
        "د "
        "نوم "
        "لیکنې "
        "تایید "
        "کوي.",
    ),
    "Holds a valid PoR or Amayesh card or a VRF: registered refugee, assisted by UNHCR (voluntary repatriation).": (
        "کارت "
        "معتبر "
        "PoR "
        "یا "
        "آمایش، "
        "یا "
        "VRF "
        "دارد: "
        "پناهنده "
        "ثبت\u200cشده "
        "است؛ "
        "از "
        "سوی "
        "UNHCR "
        "کمک "
        "می\u200cشود "
        "(بازگشت "
        "داوطلبانه).",
        "د PoR یا آمایش معتبر کارت، یا VRF لري: ثبت شوی کډوال دی؛ UNHCR ورسره مرسته کوي (داوطلبانه راستنېدنه).",
    ),
    "No refugee card or VRF: undocumented returnee, assisted by IOM (post-arrival assistance).": (
        "کارت پناهندگی یا VRF ندارد: عودت\u200cکننده فاقد مدرک است؛ از سوی IOM کمک می\u200cشود (کمک پس از رسیدن).",
        "د کډوالۍ کارت یا VRF نه لري: بې اسنادو راستنېدونکی دی؛ IOM ورسره مرسته کوي (له رارسېدو وروسته مرسته).",
    ),
    "No refugee card, VRF or other papers: undocumented returnee, counted at the border and screened by IOM.": (
        "کارت "
        "پناهندگی، "
        "VRF "
        "یا "
        "اسناد "
        "دیگر "
        "ندارد: "
        "عودت\u200cکننده "
        "فاقد "
        "مدرک "
        "است؛ "
        "در "
        "مرز "
        "شمارش "
        "و از "
        "سوی "
        "IOM "
        "ارزیابی "
        "می\u200cشود.",
        "د کډوالۍ کارت، VRF یا نور اسناد نه لري: بې اسنادو راستنېدونکی دی؛ په پوله کې شمېرل کېږي او IOM یې ارزونه کوي.",
    ),
    "Returns with a VRF: voluntary repatriation with UNHCR. The grant is paid to each member on the VRF who is verified and was not assisted before.": (
        "با "
        "VRF "
        "بازمی\u200cگردد: "
        "بازگشت "
        "داوطلبانه "
        "از "
        "طریق "
        "UNHCR. "
        "کمک "
        "نقدی "
        "به "
        "هر "
        "عضوی "
        "پرداخت "
        "می\u200cشود "
        "که "
        "در "
        "VRF "
        "درج "
        "شده، "
        "تأیید "
        "شده "
        "و "
        "قبلاً "
        "کمک "
        "دریافت "
        "نکرده "
        "باشد.",
        "له "
        "VRF "
        "سره "
        "راستنېږي: "
        "د "
        "UNHCR "
        "له "
        "لارې "
        "داوطلبانه "
        "راستنېدنه. "
        "نغدې "
        "مرسته "
        "هر "
        "هغه "
        "غړي "
        "ته "
        "ورکول "
        "کېږي "
        "چې "
        "په "
        "VRF "
        "کې "
        "شامل "
        "وي، "
        "تایید "
        "شوی "
        "وي "
        "او "
        "مخکې "
        "یې "
        "مرسته "
        "نه "
        "وي "
        "ترلاسه "
        "کړې.",
    ),
    "Arrived with a VRF from Pakistan during the VolRep winter pause (1 December to end of February).": (
        "در جریان توقف زمستانی VolRep (از 1 دسمبر تا پایان فبروری) با VRF از پاکستان رسیده است.",
        "د VolRep د ژمني وقفې پر مهال (له 1 دسمبر څخه د فبرورۍ تر پایه) له VRF سره له پاکستان څخه راغلی دی.",
    ),
}


def _fill(row, names):
    row.name_fa = row.name_fa or names[0]
    row.name_ps = row.name_ps or names[1]
    row.save(update_fields=["name_fa", "name_ps"])


def names_fill(apps, schema_editor):
    for row in apps.get_model("agencies", "Office").objects.filter(code__in=list(IOM_PROVINCIAL_OFFICES)):
        _fill(row, IOM_PROVINCIAL_OFFICES[row.code])
    for model, names in (("ReturnType", RETURN_TYPES), ("DocumentType", DOCUMENT_TYPES)):
        for row in apps.get_model("returns", model).objects.filter(code__in=list(names)):
            _fill(row, names[row.code])
    for row in apps.get_model("returns", "NeedCode").objects.all():
        if f"{row.scheme}:{row.code}" in NEED_CODES:
            _fill(row, NEED_CODES[f"{row.scheme}:{row.code}"])
    for row in apps.get_model("returns", "AssistanceType").objects.select_related("agency"):
        if f"{row.agency.code}:{row.code}" in ASSISTANCE_TYPES:
            _fill(row, ASSISTANCE_TYPES[f"{row.agency.code}:{row.code}"])
    for rule in apps.get_model("returns", "RoutingRule").objects.filter(explanation__in=list(EXPLANATIONS)):
        fa, ps = EXPLANATIONS[rule.explanation]
        rule.explanation_fa = rule.explanation_fa or fa
        rule.explanation_ps = rule.explanation_ps or ps
        rule.save(update_fields=["explanation_fa", "explanation_ps"])


class Migration(migrations.Migration):
    dependencies = [("returns", "0027_names_in_three_languages"), ("agencies", "0014_names_in_dari_and_pashto")]

    operations = [migrations.RunPython(names_fill, migrations.RunPython.noop)]
