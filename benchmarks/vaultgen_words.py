"""Word lists and sentence templates the vault generator draws from (all written for it)."""

from __future__ import annotations


METHODS = [
    "LoRA", "QLoRA", "DoRA", "AdaLoRA", "prefix tuning", "prompt tuning", "adapters", "IA3", "RLHF",
    "RLAIF", "DPO", "IPO", "KTO", "ORPO", "SimPO", "PPO", "GRPO", "reward modeling", "constitutional AI",
    "chain-of-thought prompting", "self-consistency", "tree of thoughts", "ReAct", "RAG", "HyDE",
    "reranking", "MoE", "sparse routing", "quantization", "GPTQ", "AWQ", "NF4", "int8 inference",
    "SmoothQuant", "knowledge distillation", "speculative decoding", "pruning", "model merging",
    "instruction tuning", "continued pretraining", "curriculum learning", "data deduplication",
    "tokenization", "FlashAttention", "KV-cache compression", "sliding window attention", "RoPE scaling",
    "long-context fine-tuning", "synthetic data", "rejection sampling", "best-of-n sampling",
    "process reward models", "self-refine", "tool use", "function calling", "LLM-as-a-judge",
    "red teaming", "unlearning", "full fine-tuning", "mixture of depths",
]
METHODS_RU = {
    "quantization": "квантизация", "knowledge distillation": "дистилляция знаний", "pruning": "прунинг",
    "model merging": "слияние моделей", "instruction tuning": "инструктивное дообучение",
    "continued pretraining": "продолженное предобучение", "chain-of-thought prompting": "цепочка рассуждений",
    "reward modeling": "моделирование награды", "data deduplication": "дедупликация данных",
    "tokenization": "токенизация", "synthetic data": "синтетические данные",
    "speculative decoding": "спекулятивное декодирование", "unlearning": "разобучение",
    "full fine-tuning": "полное дообучение", "curriculum learning": "обучение по программе",
    "self-consistency": "самосогласованность", "tree of thoughts": "дерево мыслей",
    "red teaming": "красная команда", "tool use": "использование инструментов",
    "function calling": "вызов функций", "rejection sampling": "отбор с отклонением",
    "prompt tuning": "настройка промптов", "adapters": "адаптеры", "sparse routing": "разреженная маршрутизация",
    "long-context fine-tuning": "дообучение на длинном контексте", "reranking": "переранжирование",
}
CONCEPTS = [
    "catastrophic forgetting", "mode collapse", "reward hacking", "hallucination",
    "overfitting on small datasets", "sycophancy", "distribution shift", "scaling laws",
    "emergent abilities", "calibration", "benchmark contamination", "memorization", "context length",
    "perplexity", "preference data", "the KL penalty", "learning rate warmup", "the rank of the update",
    "mixed precision", "gradient checkpointing", "tokenizer fertility", "data quality",
    "faithfulness of reasoning", "latency", "throughput", "memory footprint", "length bias",
    "over-refusal", "verbosity", "label noise",
]
CONCEPTS_RU = [
    "катастрофическое забывание", "коллапс мод", "взлом награды", "галлюцинации",
    "переобучение на малых данных", "угодничество", "сдвиг распределения", "законы масштабирования",
    "калибровка", "утечка бенчмарков", "запоминание", "длина контекста", "перплексия",
    "данные предпочтений", "штраф KL", "разогрев скорости обучения", "ранг обновления",
    "смешанная точность", "качество данных", "верность рассуждений", "задержка",
    "пропускная способность", "потребление памяти", "смещение по длине", "избыточные отказы",
    "шум в разметке",
]
ASPECTS = [
    "overview", "rank selection", "memory footprint", "failure modes", "hyperparameters", "evaluation",
    "ablations", "vs full fine-tuning", "in production", "reading notes", "open questions",
    "for code models", "on small data", "risks", "checklist", "benchmarks", "implementation notes",
    "cost estimate", "design choices", "troubleshooting", "comparison", "FAQ", "experiments", "summary",
    "glossary", "pitfalls", "recipes", "lessons learned",
]
ASPECTS_RU = [
    "обзор", "выбор ранга", "потребление памяти", "типичные ошибки", "гиперпараметры", "оценка качества",
    "абляции", "против полного дообучения", "в продакшене", "конспект", "открытые вопросы", "для кода",
    "на малых данных", "риски", "чек-лист", "бенчмарки", "заметки по реализации", "оценка стоимости",
    "сравнение", "вопросы и ответы", "эксперименты", "итоги", "глоссарий", "подводные камни", "рецепты",
]
MISSING_ASPECTS = ["deep dive", "lecture notes 2026", "draft", "reading list", "TODO", "ideas", "scratchpad"]
MISSING_ASPECTS_RU = ["черновик", "разбор статьи", "идеи", "список литературы", "набросок"]
AUTHORS = [
    "Hu", "Dettmers", "Rafailov", "Ouyang", "Wei", "Wang", "Lewis", "Shazeer", "Fedus", "Hinton",
    "Frantar", "Lin", "Xiao", "Leviathan", "Chen", "Biderman", "Hoffmann", "Kaplan", "Touvron", "Zhou",
    "Bai", "Christiano", "Schulman", "Yao", "Shinn", "Gao", "Li", "Zhang", "Kwon", "Dao", "Liu", "Ethayarajh",
]
BENCHES = ["GSM8K", "MMLU", "HumanEval", "BBH", "MT-Bench", "AlpacaEval", "TruthfulQA", "HellaSwag",
           "ARC-Challenge", "MATH", "GPQA", "IFEval", "WinoGrande", "MBPP"]
GPUS = ["a single 24 GB GPU", "two A100 80 GB", "an RTX 4090", "eight H100", "a T4 in Colab",
        "a laptop with 64 GB of unified memory"]
GPUS_RU = ["одной карте на 24 ГБ", "двух A100 по 80 ГБ", "RTX 4090", "восьми H100", "T4 в Colab",
           "ноутбуке с 64 ГБ общей памяти"]
SIZES = ["1.3B", "3B", "7B", "8B", "13B", "34B", "70B", "175B"]
LRS = ["1e-4", "2e-4", "5e-5", "3e-4", "1e-5", "2e-5"]

SENTENCES_EN = [
    "{M} reduces the number of trainable parameters by about {n}× compared with full fine-tuning.",
    "On {b}, {m} gained {p} points over the baseline with a {s} model.",
    "{M} tends to cause {c} when the dataset is narrow.",
    "The main risk of {m} is {c}, which shows up only after a few epochs.",
    "{A} et al. ({y}) report that {m} matches {m2} at a fraction of the cost.",
    "With {g}, {m} fits a {s} model if activations are checkpointed.",
    "We measured {c} before and after {m} on a held-out set.",
    "In practice {m} and {m2} are combined: first {m}, then {m2}.",
    "{M} needs roughly {n}K preference pairs to beat {m2} on {b}.",
    "The effect of {m} on {c} is smaller than the effect of data quality.",
    "A learning rate of {lr} worked best for {m} in our runs.",
    "Nobody has shown that {m} fixes {c}; the evidence is anecdotal.",
    "{M} is cheap at inference time but adds {p}% latency without merging.",
    "For {s} models the gap between {m} and {m2} narrows to {p} points.",
    "It is unclear whether {c} comes from {m} itself or from the prompt format.",
    "{A} et al. ({y}) found that {c} grows with the number of epochs.",
    "Mixing 10–20% general data back in keeps {c} in check during {m}.",
    "The original {m} paper used {b} as the main benchmark, which hides {c}.",
    "{M} trades a little quality (≈{p} points) for a {n}× smaller memory footprint.",
    "Before adopting {m}, check {c} on your own data, not only on {b}.",
    "A rank of {r} was enough for {m} on most tasks we tried.",
    "{M} keeps the base weights frozen, so {c} is limited but not zero.",
    "Scaling from {s} upwards made {m} more stable and {c} less visible.",
    "The cost of {m} is dominated by data collection, not by compute.",
]
SENTENCES_RU = [
    "{M} сокращает число обучаемых параметров примерно в {n} раз по сравнению с полным дообучением.",
    "На {b} {m} дал прирост в {p} пункта относительно базовой модели {s}.",
    "{M} склонен вызывать {c}, если данные узкие.",
    "Главный риск {m} — {c}; он проявляется только после нескольких эпох.",
    "{A} и соавт. ({y}) показали, что {m} не уступает {m2} при меньших затратах.",
    "На {g} {m} помещает модель {s}, если включить чекпоинтинг активаций.",
    "Мы замерили {c} до и после {m} на отложенной выборке.",
    "На практике {m} и {m2} сочетают: сначала {m}, потом {m2}.",
    "Влияние {m} на {c} меньше, чем влияние качества данных.",
    "Лучше всего для {m} сработала скорость обучения {lr}.",
    "Никто не показал, что {m} устраняет {c}; свидетельства пока анекдотические.",
    "Непонятно, вызван ли эффект «{c}» самим {m} или форматом промпта.",
    "Для моделей {s} разрыв между {m} и {m2} сокращается до {p} пункта.",
    "Подмешивание 10–20% общих данных сдерживает {c} при {m}.",
    "{M} почти бесплатен на инференсе, но без слияния добавляет {p}% задержки.",
    "Ранга {r} хватало для {m} почти во всех наших задачах.",
    "Стоимость {m} определяется сбором данных, а не вычислениями.",
    "Перед внедрением {m} проверьте {c} на своих данных, а не только на {b}.",
    "{A} и соавт. ({y}) отмечают, что {c} растёт с числом эпох.",
    "{M} жертвует качеством (≈{p} пункта) ради уменьшения памяти в {n} раз.",
]
HEADINGS_EN = [
    "How it works", "Reported results", "Risks", "Open questions", "Setup", "Hyperparameters", "Evaluation",
    "Comparison with {m}", "When to use", "Failure modes", "Notes", "Implementation", "Memory",
    "Results on {b}", "Ablations", "Summary", "Related", "Experiments", "Cost", "Data", "Mitigations",
    "Practical recipe", "Why {m} works", "Limitations", "Timeline", "Baselines",
]
HEADINGS_RU = [
    "Как это работает", "Результаты", "Риски", "Открытые вопросы", "Настройка", "Гиперпараметры", "Оценка",
    "Сравнение с {m}", "Когда применять", "Типичные сбои", "Заметки", "Реализация", "Память",
    "Результаты на {b}", "Абляции", "Итоги", "Связанное", "Эксперименты", "Стоимость", "Данные",
    "Меры защиты", "Практический рецепт", "Почему {m} работает", "Ограничения", "Хронология",
]
TAGS_EN = ["lora", "peft", "peft/lora", "peft/qlora", "alignment", "alignment/dpo", "alignment/rlhf",
           "reasoning/cot", "retrieval/rag", "inference/quantization", "moe", "distillation", "eval", "risk",
           "todo", "status/draft", "status/verified", "paper", "LoRA_v2", "topic/alignment/dpo", "fine-tuning"]
TAGS_RU = ["метод", "метод/дообучение", "риск", "выравнивание", "рассуждения", "квантизация", "черновик",
           "проверено", "статья", "тема/выравнивание/dpo", "источник", "вопрос"]
CALLOUT_TYPES = ["note", "warning", "tip", "info", "risk", "solution", "question", "example", "quote",
                 "abstract", "important", "caution", "todo", "success", "failure", "bug", "danger"]
FIELD_KEYS = ["method", "risk", "mitigates", "source", "broader", "narrower", "related", "status", "cost",
              "effect", "evidence", "метод", "риск"]
EMOJI = ["✅", "⚠️", "💰", "💰💰", "🧪", "📉", "📈", "🔥", "❌", "≈", "↑", "↓"]
CODE_LANGS = ["python", "bash", "yaml", "json", "text", "", "python", "dataview"]
COLUMNS_EN = ["Method", "Memory", "Quality", "Cost", "Source", "Risk", "Notes", "Best for"]
COLUMNS_RU = ["Метод", "Память", "Качество", "Стоимость", "Источник", "Риск", "Заметки", "Когда"]
CHAT_Q_EN = [
    "Should I use {m} or {m2} for a {s} model with {n}K examples?",
    "Why does {m} make {c} worse on my data?",
    "How much memory does {m} need on {g}?",
    "Can you compare {m} and {m2} in a table?",
    "What learning rate should I start from with {m}?",
]
CHAT_Q_RU = [
    "Что выбрать для модели {s} и {n}K примеров: {m} или {m2}?",
    "Почему {m} усиливает {c} на моих данных?",
    "Сколько памяти нужно для {m} на {g}?",
    "Сравни {m} и {m2} в таблице.",
    "С какой скорости обучения начинать {m}?",
]
CHAT_H_EN = ["Short answer", "Why", "What to do", "Table", "Conclusion", "Details", "Caveats"]
CHAT_H_RU = ["Кратко", "Почему", "Что сделать", "Таблица", "Вывод", "Подробности", "Оговорки"]

FOLDERS = [
    # (folder, weight, language bias: "en" | "ru" | None, kind)
    ("methods", 6, None, "regular"), ("methods/peft", 5, None, "regular"),
    ("methods/peft/lora-family", 3, None, "regular"), ("methods/alignment", 5, None, "regular"),
    ("methods/alignment/preference", 3, None, "regular"), ("methods/inference", 3, None, "regular"),
    ("methods/inference/quantization", 3, None, "regular"), ("methods/reasoning", 3, None, "regular"),
    ("methods/retrieval", 3, None, "regular"), ("concepts", 6, None, "regular"),
    ("concepts/risks", 3, None, "regular"), ("concepts/evaluation", 3, None, "regular"),
    ("analyses", 4, None, "regular"), ("analyses/2024", 3, None, "regular"), ("analyses/2025", 3, None, "regular"),
    ("summaries", 3, None, "regular"), ("papers/2021", 2, "en", "paper"), ("papers/2022", 2, "en", "paper"),
    ("papers/2023", 3, "en", "paper"), ("papers/2024", 3, "en", "paper"), ("papers/2025", 2, "en", "paper"),
    ("imported", 2, None, "regular"), ("imported/course", 2, None, "regular"),
    ("imported/notion/export", 2, None, "regular"), ("archive/2023", 2, None, "regular"),
    ("archive/2024/q1", 1, None, "regular"), ("archive/2024/q3", 1, None, "regular"),
    ("daily/2024", 2, None, "daily"), ("daily/2025", 3, None, "daily"),
    ("конспекты", 3, "ru", "regular"), ("конспекты/курс LLM", 3, "ru", "regular"),
    ("конспекты/курс LLM/лекции", 2, "ru", "regular"), ("исследования/риски", 2, "ru", "regular"),
    ("", 1, None, "regular"),
]
CHAT_FOLDERS = ["chats", "chats/2025-05", "chats/2025-06", "chats/2025-07", "chats/2025-08"]
INDEX_NAMES = ["Overview", "Index", "README", "Обзор"]  # written into several folders (duplicate names)
