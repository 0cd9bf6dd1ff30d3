namespace PaliGemma.AI;

/// <summary>The descriptions of the vision tools and their parameters, shared by every host (AI functions, Semantic Kernel plugin, MCP server; MCP describes its own <c>image</c> parameter).</summary>
internal static class ToolDescriptions
{
    public const string Image = "Image id the host gave you, or a data:image URI. Omit to use the latest image in the chat.";
    public const string Detect = "Find objects in an image. Returns each object's label and bounding box in pixels and as 0..1 fractions.";
    public const string DetectLabels = "Object names to find, separated by commas, e.g. 'cat, dog'.";
    public const string Segment = "Segment objects in an image. Returns each object's label, box, and mask as COCO RLE with its pixel area.";
    public const string SegmentLabels = "Object names to segment, separated by commas, e.g. 'cat'.";
    public const string Caption = "Describe an image in one short sentence.";
    public const string CaptionLanguage = "Language code of the caption, e.g. 'en' (default) or 'de'.";
    public const string Ocr = "Read the text written in an image.";
    public const string Answer = "Answer a short question about an image.";
    public const string AnswerQuestion = "The question, on one line, e.g. 'how many cats are there?'.";
    public const string AnswerLanguage = "Language code of the answer, e.g. 'en' (default).";
}
