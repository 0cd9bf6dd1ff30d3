namespace PaliGemma.AI;

/// <summary>The tasks PaliGemma's mix and fine-tuned checkpoints understand.</summary>
public enum PaliGemmaTaskKind
{
    /// <summary>A short caption: <c>caption {lang}</c>.</summary>
    Caption,

    /// <summary>A longer description: <c>describe {lang}</c>.</summary>
    Describe,

    /// <summary>Text recognition: <c>ocr</c>.</summary>
    Ocr,

    /// <summary>Visual question answering: <c>answer {lang} {question}</c>.</summary>
    Answer,

    /// <summary>Question generation for a given answer: <c>question {lang} {answer}</c>.</summary>
    Question,

    /// <summary>Object detection: <c>detect {label} ; {label}</c>.</summary>
    Detect,

    /// <summary>Referring segmentation: <c>segment {label} ; {label}</c>.</summary>
    Segment,
}
