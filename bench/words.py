"""Word pools for bench/generate.py's synthetic papers: tags, names, title and abstract parts."""

TAGS = [
    "language models",
    "reasoning",
    "alignment",
    "interpretability",
    "diffusion",
    "computer vision",
    "reinforcement learning",
    "robotics",
    "speech",
    "multimodal",
    "retrieval",
    "agents",
    "code generation",
    "efficiency",
    "quantization",
    "distillation",
    "optimization",
    "theory",
    "graph learning",
    "time series",
    "3d vision",
    "video generation",
    "image generation",
    "benchmarks",
    "datasets",
    "evaluation",
    "safety",
    "privacy",
    "federated learning",
    "continual learning",
    "meta-learning",
    "self-supervised learning",
    "contrastive learning",
    "transformers",
    "state space models",
    "mixture of experts",
    "long context",
    "tokenization",
    "machine translation",
    "question answering",
    "summarization",
    "dialogue",
    "information extraction",
    "medical imaging",
    "healthcare",
    "biology",
    "chemistry",
    "materials science",
    "climate",
    "recommender systems",
    "causal inference",
    "uncertainty",
    "bayesian methods",
    "generative models",
    "neural rendering",
    "point clouds",
    "embodied ai",
    "audio generation",
    "hardware",
    "scaling laws",
]
assert len(TAGS) == 60 and len(set(TAGS)) == 60

FIRST_NAMES = """
Aarav Abigail Adrian Ahmed Aiko Alejandro Alexei Alice Amara Amir Ana Andrea Anika Anton Aria Arjun Astrid
Ayesha Bao Beatriz Benjamin Bilal Bogdan Camila Carlos Chen Chiara Chloe Daniel Dario Dmitri Elena Elif
Emeka Emil Emma Enzo Erik Esther Fatima Felix Fernando Freya Gabriel Giulia Grace Hana Hannah Hao Haruto
Hassan Helena Hiroshi Ibrahim Ines Ingrid Isaac Ivan Jakob James Javier Jia Jin Joao Jonas Julia Kai Kamal
Karim Katarina Kenji Kofi Lars Laura Layla Lea Lei Leon Li Lina Liam Lucas Lucia Mads Maria Marco Marta
Mateo Maya Mei Mia Miguel Min Mohammed Nadia Naomi Nikolai Nina Noah Nora Olga Omar Oscar Pablo Paolo Pedro
Priya Qiang Rafael Rahul Ravi Rin Rosa Ruslan Sakura Samuel Sara Sebastian Sergei Shira Sofia Sophie Sun
Tariq Teresa Thomas Tomas Valentina Victor Wei Xin Yara Yasmin Yi Yuki Yusuf Zainab Zhao Zoe
""".split()

LAST_NAMES = """
Abe Adeyemi Agarwal Ahmadi Almeida Andersen Araujo Bach Bae Banerjee Baker Becker Bergstrom Bianchi Blanco
Brown Cao Castro Chatterjee Chen Cho Cohen Costa Cruz Dang Das Davies Dubois Eriksson Esposito Fischer
Fernandes Ferrari Fujita Garcia Ghosh Gomez Gonzalez Gupta Hall Hansen Hashemi Hoffmann Huang Hughes Ibrahim
Ito Ivanov Jackson Jansen Jensen Jiang Johansson Kang Kapoor Kato Khan Kim Klein Kowalski Kumar Kuznetsov
Larsen Lee Lehmann Leone Li Lim Lin Liu Lopez Lund Ma Mahmoud Marino Martin Martinez Meyer Mehta Moreau
Morozov Muller Murphy Nakamura Navarro Nguyen Nielsen Novak Okafor Oliveira Olsen Ortiz Park Patel Pereira
Petrov Popescu Qian Rahman Ramirez Reddy Ricci Richter Rivera Romano Rossi Saito Santos Sato Schmidt
Schneider Shah Sharma Silva Singh Smith Sokolov Song Suzuki Takahashi Tan Tanaka Taylor Thompson Tran
Vargas Vasquez Vogel Volkov Wagner Walker Wang Weber Wei Wilson Wong Wu Xu Yamamoto Yang Yilmaz Yu Zhang
Zhao Zhou Zhu Zimmermann
""".split()

SYLLABLES = "ka lo mi ra ze tu vi no sa fle xo gra pi du ne mo ri ta lu qua".split()
ACRONYM_TAILS = ["", "", "", "-2", "++", "-XL", "Net", "Former", "GPT", "Diff", "MoE", "Bench"]

ADJECTIVES = """
Scalable Efficient Robust Adaptive Sparse Hierarchical Unified Generalizable Interpretable Faithful Compact
Lightweight Zero-Shot Few-Shot Self-Supervised Contrastive Causal Continual Multilingual Multimodal
Long-Context Data-Efficient Parameter-Efficient Training-Free Verifiable Controllable Differentiable
Probabilistic Federated Streaming Calibrated
""".split()
NOUNS = [
    "Attention",
    "Representations",
    "Transformers",
    "Agents",
    "Embeddings",
    "Policies",
    "Priors",
    "Tokenizers",
    "Decoders",
    "Encoders",
    "Retrievers",
    "Adapters",
    "Experts",
    "Memories",
    "Planners",
    "Critics",
    "Kernels",
    "Graph Networks",
    "Features",
    "Circuits",
    "Latents",
    "Reward Models",
    "World Models",
    "Diffusion Models",
    "Language Models",
    "Vision Transformers",
    "State Space Models",
    "Mixture-of-Experts",
]
TASKS = [
    "Mathematical Reasoning",
    "Code Generation",
    "Video Understanding",
    "Text-to-Image Generation",
    "Open-Domain Question Answering",
    "Robotic Manipulation",
    "Speech Recognition",
    "Machine Translation",
    "Protein Structure Prediction",
    "Long-Horizon Planning",
    "Document Understanding",
    "3D Reconstruction",
    "Time Series Forecasting",
    "Molecule Generation",
    "Instruction Following",
    "Tool Use",
    "Web Navigation",
    "Medical Image Segmentation",
    "Weather Forecasting",
    "Retrieval-Augmented Generation",
    "Preference Optimization",
    "Theorem Proving",
    "Embodied Navigation",
    "Audio Captioning",
    "Anomaly Detection",
    "Graph Classification",
    "Novel View Synthesis",
    "Visual Question Answering",
]
PROPERTIES = [
    "Expressivity",
    "Sample Complexity",
    "Robustness",
    "Calibration",
    "Scaling Behaviour",
    "Generalization",
    "Emergence",
    "Memorization",
    "Stability",
    "Faithfulness",
    "Limits",
    "Geometry",
]
VERBS = [
    "Scaling",
    "Distilling",
    "Aligning",
    "Steering",
    "Compressing",
    "Probing",
    "Rethinking",
    "Grounding",
    "Benchmarking",
    "Teaching",
    "Pruning",
    "Evaluating",
]
METHODS = [
    "Reinforcement Learning",
    "Synthetic Data",
    "Curriculum Learning",
    "Self-Play",
    "Sparse Autoencoders",
    "Speculative Decoding",
    "Test-Time Compute",
    "Low-Rank Adaptation",
    "Flow Matching",
    "Direct Preference Optimization",
    "Chain-of-Thought",
    "Knowledge Distillation",
    "Model Merging",
    "Contrastive Pretraining",
    "Active Learning",
    "Program Synthesis",
]

OPENERS = [
    "{noun} have become a central tool for {task_l}, yet their behaviour under distribution shift remains "
    "poorly understood.",
    "Recent progress in {task_l} has been driven largely by scale, but the cost of training and serving "
    "{noun_l} grows faster than the gains they bring.",
    "We study the problem of {task_l} in the regime where labelled data is scarce and the test distribution "
    "differs from the training one.",
    "Despite impressive benchmark results, {noun_l} still fail on simple compositional variants of "
    "{task_l} that humans solve without effort.",
    "A growing body of work suggests that {method_l} can substitute for much larger models on {task_l}, "
    "but the evidence so far is anecdotal.",
]
METHOD_SENTENCES = [
    "In this paper we introduce {acronym}, a {adj_l} approach that combines {method_l} with a lightweight "
    "{noun_l} module trained end to end.",
    "We propose {acronym}, which reformulates {task_l} as a sequence of {adj_l} sub-problems that can be "
    "solved in parallel and verified independently.",
    "Our method, {acronym}, learns a {adj_l} prior over {noun_l} from unlabelled data and adapts it to new "
    "tasks with only a handful of examples.",
    "We present {acronym}, a framework that uses **{method_l}** to generate training signal for "
    "{noun_l} without any human annotation.",
]
DETAIL_SENTENCES = [
    "The key idea is to share computation across related inputs, so that the marginal cost of each "
    "additional query is small.",
    "Unlike prior work, our formulation does not require access to model gradients and therefore applies to "
    "black-box systems served behind an API.",
    "We further show how the same mechanism can be used to detect failures at inference time, allowing the "
    "system to abstain when it is likely to be wrong.",
    "A simple curriculum over task difficulty turns out to be essential: without it, training collapses to "
    "trivial solutions within a few thousand steps.",
    "To make the approach practical we design a caching scheme that keeps intermediate results in memory "
    "and evicts them by expected reuse.",
    "The resulting objective is convex in the adapter parameters, which lets us give a closed-form solution "
    "and avoid costly hyperparameter search.",
    "We implement the method in about three hundred lines of `PyTorch` and release a reference "
    "implementation together with all evaluation scripts.",
    "Ablations show that each component contributes, and that the gains are largest on the hardest "
    "subsets of the benchmark.",
]
MATH_SENTENCES = [
    "Theoretically, we prove that the error decays as $O(1/\\sqrt{{n}})$ in the number of samples $n$, "
    "matching the known lower bound up to constants.",
    "Our analysis shows that the loss is minimised when $x^2 + y^2 = 1$, which explains the instability "
    "observed in earlier work.",
    "We show that the attention cost drops from $O(n^2)$ to $O(n \\log n)$ without measurable loss in "
    "quality.",
    "With temperature $\\tau = 0.7$ and $k = 8$ samples the method recovers $\\alpha$-fraction of the "
    "oracle performance.",
]
RESULT_SENTENCES = [
    "On {bench} our approach improves accuracy by {gain} points over the strongest baseline while using "
    "{ratio}x less compute.",
    "Experiments on {bench} and two held-out suites show consistent improvements of {gain}% on average, "
    "with the largest gains on long inputs.",
    "{acronym} reaches state-of-the-art results on {bench}, outperforming models {ratio} times its size.",
    "Human evaluation with {people} annotators confirms that outputs of {acronym} are preferred in "
    "{share}% of pairwise comparisons.",
]
CLOSERS = [
    "We hope this work encourages more careful evaluation of {noun_l} in realistic settings.",
    "Code, data and trained checkpoints are available at the [project page](https://example.org/{slug}).",
    "Our findings suggest that {method_l} is a promising and underexplored direction for {task_l}.",
    "We discuss limitations, including the reliance on English-only data, and outline directions for "
    "future work.",
]
BENCHES = [
    "MMLU",
    "GSM8K",
    "HumanEval",
    "ImageNet",
    "COCO",
    "LibriSpeech",
    "WMT",
    "SWE-bench",
    "ARC",
    "BIG-bench",
    "MATH",
    "Kinetics-400",
    "ScanNet",
    "MoleculeNet",
    "WebArena",
    "LongBench",
]
