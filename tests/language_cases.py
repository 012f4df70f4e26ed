# ruff: noqa: RUF001  (text in many scripts is what these tests are about)
"""Paragraphs of natural prose in 40 languages, each with its ISO 639-1 code: the language test
set (tests/test_language.py asserts the accuracy; the fidelity benchmark, bench/fidelity.py,
reports score()).

Each paragraph was written for this set: three or four everyday sentences (the same story of a
town library in 30 languages, a train trip in the other 10), so that identification is judged
on text of the length a document or a chunk holds, not on lists of words.
"""

from __future__ import annotations

from typing import NamedTuple


class LanguageCase(NamedTuple):
    code: str  # ISO 639-1
    text: str


CASES: tuple[LanguageCase, ...] = (
    LanguageCase(
        "en",
        "The library on the corner of our street opens at nine in the morning. On Saturdays "
        "it fills up with children who come for the reading hour, and their parents drink "
        "coffee in the small garden behind the building. Last year the town council wanted to "
        "close it, but so many people wrote letters that the plan was dropped.",
    ),
    LanguageCase(
        "de",
        "Die Bibliothek an der Ecke unserer Straße öffnet um neun Uhr morgens. Samstags kommen "
        "viele Kinder zur Vorlesestunde, und ihre Eltern trinken Kaffee im kleinen Garten "
        "hinter dem Gebäude. Im letzten Jahr wollte der Gemeinderat sie schließen, aber so "
        "viele Menschen schrieben Briefe, dass der Plan aufgegeben wurde.",
    ),
    LanguageCase(
        "fr",
        "La bibliothèque au coin de notre rue ouvre à neuf heures du matin. Le samedi, elle se "
        "remplit d'enfants qui viennent pour l'heure du conte, et leurs parents boivent un café "
        "dans le petit jardin derrière le bâtiment. L'année dernière, la mairie voulait la "
        "fermer, mais tant de gens ont écrit des lettres que le projet a été abandonné.",
    ),
    LanguageCase(
        "es",
        "La biblioteca de la esquina de nuestra calle abre a las nueve de la mañana. Los "
        "sábados se llena de niños que vienen a la hora del cuento, y sus padres toman café en "
        "el pequeño jardín que hay detrás del edificio. El año pasado el ayuntamiento quería "
        "cerrarla, pero tanta gente escribió cartas que el plan se abandonó.",
    ),
    LanguageCase(
        "it",
        "La biblioteca all'angolo della nostra strada apre alle nove del mattino. Il sabato si "
        "riempie di bambini che vengono per l'ora della lettura, e i loro genitori bevono un "
        "caffè nel piccolo giardino dietro l'edificio. L'anno scorso il comune voleva "
        "chiuderla, ma così tante persone hanno scritto lettere che il progetto è stato "
        "abbandonato.",
    ),
    LanguageCase(
        "pt",
        "A biblioteca da esquina da nossa rua abre às nove horas da manhã. Aos sábados fica "
        "cheia de crianças que vêm para a hora do conto, e os pais tomam café no pequeno "
        "jardim atrás do edifício. No ano passado a câmara municipal queria fechá-la, mas "
        "tantas pessoas escreveram cartas que o plano foi abandonado.",
    ),
    LanguageCase(
        "nl",
        "De bibliotheek op de hoek van onze straat gaat om negen uur 's ochtends open. Op "
        "zaterdag zit hij vol kinderen die voor het voorleesuurtje komen, en hun ouders drinken "
        "koffie in de kleine tuin achter het gebouw. Vorig jaar wilde de gemeenteraad hem "
        "sluiten, maar zoveel mensen schreven brieven dat het plan werd geschrapt.",
    ),
    LanguageCase(
        "sv",
        "Biblioteket i hörnet av vår gata öppnar klockan nio på morgonen. På lördagarna fylls "
        "det av barn som kommer för sagostunden, och deras föräldrar dricker kaffe i den lilla "
        "trädgården bakom huset. Förra året ville kommunen stänga det, men så många människor "
        "skrev brev att planen lades ner.",
    ),
    LanguageCase(
        "da",
        "Biblioteket på hjørnet af vores gade åbner klokken ni om morgenen. Om lørdagen bliver "
        "det fyldt med børn, der kommer til højtlæsningen, og deres forældre drikker kaffe i "
        "den lille have bag bygningen. Sidste år ville kommunalbestyrelsen lukke det, men så "
        "mange mennesker skrev breve, at planen blev opgivet.",
    ),
    LanguageCase(
        "fi",
        "Katumme kulmassa oleva kirjasto aukeaa aamulla kello yhdeksän. Lauantaisin se täyttyy "
        "lapsista, jotka tulevat satutuokioon, ja heidän vanhempansa juovat kahvia rakennuksen "
        "takana olevassa pienessä puutarhassa. Viime vuonna kunnanvaltuusto halusi sulkea sen, "
        "mutta niin moni kirjoitti kirjeen, että suunnitelmasta luovuttiin.",
    ),
    LanguageCase(
        "pl",
        "Biblioteka na rogu naszej ulicy otwiera się o dziewiątej rano. W soboty wypełnia się "
        "dziećmi, które przychodzą na godzinę czytania, a ich rodzice piją kawę w małym "
        "ogrodzie za budynkiem. W zeszłym roku rada miasta chciała ją zamknąć, ale tak wielu "
        "ludzi napisało listy, że z tego planu zrezygnowano.",
    ),
    LanguageCase(
        "cs",
        "Knihovna na rohu naší ulice otevírá v devět hodin ráno. V sobotu se zaplní dětmi, "
        "které přicházejí na hodinu čtení, a jejich rodiče pijí kávu v malé zahradě za "
        "budovou. Loni ji chtěla městská rada zavřít, ale tolik lidí napsalo dopisy, že se od "
        "toho plánu upustilo.",
    ),
    LanguageCase(
        "hu",
        "Az utcánk sarkán álló könyvtár reggel kilenckor nyit. Szombatonként megtelik "
        "gyerekekkel, akik a mesedélutánra jönnek, a szüleik pedig kávét isznak az épület "
        "mögötti kis kertben. Tavaly a városi tanács be akarta zárni, de olyan sokan írtak "
        "levelet, hogy a tervet elvetették.",
    ),
    LanguageCase(
        "ro",
        "Biblioteca de la colțul străzii noastre se deschide la ora nouă dimineața. Sâmbăta se "
        "umple de copii care vin la ora de lectură, iar părinții lor beau cafea în grădina mică "
        "din spatele clădirii. Anul trecut primăria a vrut să o închidă, dar atât de mulți "
        "oameni au scris scrisori încât planul a fost abandonat.",
    ),
    LanguageCase(
        "ca",
        "La biblioteca de la cantonada del nostre carrer obre a les nou del matí. Els dissabtes "
        "s'omple de nens que vénen a l'hora del conte, i els seus pares prenen cafè al petit "
        "jardí que hi ha darrere l'edifici. L'any passat l'ajuntament la volia tancar, però "
        "tanta gent va escriure cartes que es va abandonar el projecte.",
    ),
    LanguageCase(
        "tr",
        "Sokağımızın köşesindeki kütüphane sabah dokuzda açılıyor. Cumartesi günleri masal "
        "saatine gelen çocuklarla doluyor, anne babaları da binanın arkasındaki küçük bahçede "
        "kahve içiyor. Geçen yıl belediye meclisi kütüphaneyi kapatmak istedi, ama o kadar çok "
        "insan mektup yazdı ki plandan vazgeçildi.",
    ),
    LanguageCase(
        "ru",
        "Библиотека на углу нашей улицы открывается в девять часов утра. По субботам она "
        "заполняется детьми, которые приходят на час чтения, а их родители пьют кофе в "
        "маленьком саду за зданием. В прошлом году городской совет хотел её закрыть, но так "
        "много людей написали письма, что от этого плана отказались.",
    ),
    LanguageCase(
        "uk",
        "Бібліотека на розі нашої вулиці відчиняється о дев'ятій ранку. Щосуботи вона "
        "наповнюється дітьми, які приходять на годину читання, а їхні батьки п'ють каву в "
        "маленькому садку за будинком. Минулого року міська рада хотіла її закрити, але так "
        "багато людей написали листи, що від цього плану відмовилися.",
    ),
    LanguageCase(
        "bg",
        "Библиотеката на ъгъла на нашата улица отваря в девет часа сутринта. В събота тя се "
        "изпълва с деца, които идват за часа за четене, а родителите им пият кафе в малката "
        "градина зад сградата. Миналата година общинският съвет искаше да я затвори, но толкова "
        "много хора написаха писма, че от плана се отказаха.",
    ),
    LanguageCase(
        "el",
        "Η βιβλιοθήκη στη γωνία του δρόμου μας ανοίγει στις εννέα το πρωί. Τα Σάββατα γεμίζει "
        "με παιδιά που έρχονται για την ώρα της ανάγνωσης, και οι γονείς τους πίνουν καφέ στον "
        "μικρό κήπο πίσω από το κτίριο. Πέρσι το δημοτικό συμβούλιο ήθελε να την κλείσει, αλλά "
        "τόσοι πολλοί άνθρωποι έγραψαν επιστολές που το σχέδιο εγκαταλείφθηκε.",
    ),
    LanguageCase(
        "ar",
        "تفتح المكتبة الواقعة على ناصية شارعنا أبوابها في التاسعة صباحًا. في أيام السبت تمتلئ "
        "بالأطفال الذين يأتون لساعة القراءة، بينما يشرب آباؤهم القهوة في الحديقة الصغيرة خلف "
        "المبنى. في العام الماضي أراد المجلس البلدي إغلاقها، لكن عددًا كبيرًا من الناس كتبوا "
        "رسائل فتم التخلي عن الخطة.",
    ),
    LanguageCase(
        "he",
        "הספרייה בפינת הרחוב שלנו נפתחת בתשע בבוקר. בימי שבת היא מתמלאת בילדים שבאים לשעת "
        "הסיפור, וההורים שלהם שותים קפה בגינה הקטנה שמאחורי הבניין. בשנה שעברה מועצת העיר רצתה "
        "לסגור אותה, אבל כל כך הרבה אנשים כתבו מכתבים שהתוכנית בוטלה.",
    ),
    LanguageCase(
        "fa",
        "کتابخانه‌ای که در گوشهٔ خیابان ما قرار دارد ساعت نه صبح باز می‌شود. روزهای شنبه پر از "
        "کودکانی می‌شود که برای ساعت کتاب‌خوانی می‌آیند و پدر و مادرشان در باغچهٔ کوچک پشت "
        "ساختمان قهوه می‌نوشند. پارسال شورای شهر می‌خواست آن را ببندد، اما آن‌قدر مردم نامه "
        "نوشتند که از این طرح صرف‌نظر شد.",
    ),
    LanguageCase(
        "hi",
        "हमारी गली के कोने पर स्थित पुस्तकालय सुबह नौ बजे खुलता है। शनिवार को यह उन बच्चों से भर "
        "जाता है जो कहानी के समय के लिए आते हैं, और उनके माता-पिता इमारत के पीछे के छोटे बगीचे "
        "में कॉफ़ी पीते हैं। पिछले साल नगर परिषद इसे बंद करना चाहती थी, लेकिन इतने सारे लोगों ने "
        "पत्र लिखे कि यह योजना छोड़ दी गई।",
    ),
    LanguageCase(
        "zh",
        "我们街角的图书馆每天早上九点开门。每到星期六，馆里就挤满了来听故事的孩子，他们的父母"
        "则在大楼后面的小花园里喝咖啡。去年市议会想把它关掉，但是有那么多人写信反对，这个计划"
        "最后只好放弃了。",
    ),
    LanguageCase(
        "ja",
        "私たちの通りの角にある図書館は、朝九時に開きます。土曜日には読み聞かせの時間に来る子ども"
        "たちでいっぱいになり、親たちは建物の裏の小さな庭でコーヒーを飲んでいます。去年、市議会は"
        "図書館を閉鎖しようとしましたが、とても多くの人が手紙を書いたので、その計画は取りやめに"
        "なりました。",
    ),
    LanguageCase(
        "ko",
        "우리 동네 길모퉁이에 있는 도서관은 아침 아홉 시에 문을 엽니다. 토요일마다 이야기 시간에 "
        "오는 아이들로 가득 차고, 부모들은 건물 뒤쪽의 작은 정원에서 커피를 마십니다. 작년에 "
        "시의회가 도서관을 닫으려고 했지만, 너무 많은 사람들이 편지를 써서 "
        "그 계획은 취소되었습니다.",
    ),
    LanguageCase(
        "vi",
        "Thư viện ở góc phố nhà chúng tôi mở cửa lúc chín giờ sáng. Vào thứ Bảy, nơi đây chật "
        "kín trẻ em đến nghe kể chuyện, còn cha mẹ các em thì uống cà phê trong khu vườn nhỏ "
        "phía sau tòa nhà. Năm ngoái hội đồng thành phố muốn đóng cửa thư viện, nhưng có quá "
        "nhiều người viết thư nên kế hoạch đã bị hủy bỏ.",
    ),
    LanguageCase(
        "id",
        "Perpustakaan di sudut jalan kami buka pukul sembilan pagi. Setiap hari Sabtu tempat "
        "itu penuh dengan anak-anak yang datang untuk acara mendongeng, sementara orang tua "
        "mereka minum kopi di taman kecil di belakang gedung. Tahun lalu dewan kota ingin "
        "menutupnya, tetapi begitu banyak orang menulis surat sehingga rencana itu dibatalkan.",
    ),
    LanguageCase(
        "lt",
        "Biblioteka mūsų gatvės kampe atsidaro devintą valandą ryto. Šeštadieniais ji prisipildo "
        "vaikų, kurie ateina į skaitymų valandą, o jų tėvai geria kavą mažame sode už pastato. "
        "Pernai miesto taryba norėjo ją uždaryti, bet tiek daug žmonių parašė laiškus, kad "
        "planas buvo atšauktas.",
    ),
    LanguageCase(
        "no",
        "Vi tok toget fra Oslo til Bergen i går, og turen over fjellet var like vakker som alle "
        "hadde sagt. Det lå fortsatt snø ved Finse, selv om det var midt i juni. I Bergen regnet "
        "det selvfølgelig, så vi kjøpte paraply og gikk på fiskemarkedet for å spise reker.",
    ),
    LanguageCase(
        "sk",
        "Včera sme išli vlakom z Bratislavy do Košíc a cesta cez hory bola krásna. Pri Štrbskom "
        "plese ešte ležal sneh, hoci bol už koniec mája. V Košiciach pršalo, takže sme si kúpili "
        "dáždnik a išli sme na večeru do malej reštaurácie pri dóme.",
    ),
    LanguageCase(
        "hr",
        "Jučer smo vlakom putovali iz Zagreba u Split i vožnja kroz Liku bila je prekrasna. Na "
        "planinama je još bilo snijega, iako je već bio kraj svibnja. U Splitu je padala kiša, "
        "pa smo kupili kišobran i otišli na večeru u malu konobu blizu rive.",
    ),
    LanguageCase(
        "sl",
        "Včeraj smo se z vlakom peljali iz Ljubljane na Bled in pot ob reki je bila čudovita. Na "
        "gorah je še ležal sneg, čeprav je bil že konec maja. Na Bledu je deževalo, zato smo "
        "kupili dežnik in šli v majhno gostilno na kremno rezino.",
    ),
    LanguageCase(
        "et",
        "Eile sõitsime rongiga Tallinnast Tartusse ja sõit läbi metsade oli väga ilus. Põldudel "
        "oli veel lund, kuigi oli juba aprilli lõpp. Tartus sadas vihma, nii et ostsime "
        "vihmavarju ja läksime väikesesse kohvikusse raekoja platsi lähedal.",
    ),
    LanguageCase(
        "lv",
        "Vakar mēs ar vilcienu braucām no Rīgas uz Siguldu, un brauciens gar upi bija ļoti "
        "skaists. Mežā vēl bija sniegs, lai gan jau bija aprīļa beigas. Siguldā lija lietus, "
        "tāpēc mēs nopirkām lietussargu un aizgājām uz mazu kafejnīcu pie pils.",
    ),
    LanguageCase(
        "th",
        "เมื่อวานเรานั่งรถไฟจากกรุงเทพฯ ไปเชียงใหม่ และวิวระหว่างทางสวยงามมาก ภูเขาเต็มไปด้วยหมอก "
        "แม้ว่าจะเป็นเดือนพฤศจิกายนแล้วก็ตาม พอถึงเชียงใหม่ฝนก็ตก เราจึงซื้อร่มและไปกินข้าวซอยที่ร้านเล็ก ๆ "
        "ใกล้ประตูท่าแพ",
    ),
    LanguageCase(
        "sw",
        "Jana tulisafiri kwa treni kutoka Nairobi hadi Mombasa, na mandhari njiani yalikuwa "
        "mazuri sana. Tuliona twiga na tembo karibu na reli katika mbuga ya Tsavo. Tulipofika "
        "Mombasa mvua ilikuwa inanyesha, kwa hiyo tulinunua mwavuli na kwenda kula samaki "
        "kwenye mkahawa mdogo karibu na bahari.",
    ),
    LanguageCase(
        "ur",
        "کل ہم نے لاہور سے اسلام آباد تک ریل گاڑی میں سفر کیا اور راستے کے مناظر بہت خوبصورت تھے۔ "
        "پہاڑوں پر ابھی تک برف پڑی ہوئی تھی حالانکہ مارچ کا مہینہ ختم ہو رہا تھا۔ "
        "اسلام آباد میں بارش ہو رہی تھی، اس لیے ہم نے چھتری خریدی "
        "اور ایک چھوٹے سے ریستوران میں کھانا کھایا۔",
    ),
    LanguageCase(
        "sr",
        "Јуче смо возом путовали из Београда у Нови Сад и вожња поред Дунава била је дивна. На "
        "Фрушкој гори је још било снега, иако је већ био крај марта. У Новом Саду је падала киша, "
        "па смо купили кишобран и отишли на вечеру у малу кафану близу тврђаве.",
    ),
)


def score() -> str:
    """Every paragraph written to a file and extracted; how many get their language right in
    the document's metadata, as tests/test_language.py scores it."""
    import tempfile
    from pathlib import Path

    from workers.extract import extract

    wrong = []
    with tempfile.TemporaryDirectory() as folder:
        for case in CASES:
            path = Path(folder) / f"{case.code}.txt"
            path.write_text(case.text, encoding="utf-8")
            found = extract(str(path))["metadata"]["language"]
            if found != case.code:
                wrong.append(f"{case.code} as {found}")
    right = len(CASES) - len(wrong)
    missed = f"; wrong: {', '.join(wrong)}" if wrong else ""
    return f"{right}/{len(CASES)} ({100 * right / len(CASES):.1f}%){missed}"
