using PaliGemma.AI;

namespace PaliGemma.AI.Tests.Prompts;

public sealed class PaliGemmaTaskTests
{
    [Fact]
    public void Factories_set_kind_and_render_prompt()
    {
        Assert.Equal((PaliGemmaTaskKind.Caption, "caption en"), Render(PaliGemmaTask.Caption()));
        Assert.Equal((PaliGemmaTaskKind.Describe, "describe ja"), Render(PaliGemmaTask.Describe("ja")));
        Assert.Equal((PaliGemmaTaskKind.Ocr, "ocr"), Render(PaliGemmaTask.Ocr()));
        Assert.Equal((PaliGemmaTaskKind.Answer, "answer en how many?"), Render(PaliGemmaTask.Answer("how many?")));
        Assert.Equal((PaliGemmaTaskKind.Question, "question en two"), Render(PaliGemmaTask.Question("two")));
        Assert.Equal((PaliGemmaTaskKind.Detect, "detect cat ; dog"), Render(PaliGemmaTask.Detect("cat", "dog")));
        Assert.Equal((PaliGemmaTaskKind.Segment, "segment cat"), Render(PaliGemmaTask.Segment("cat")));

        static (PaliGemmaTaskKind, string) Render(PaliGemmaTask task) => (task.Kind, task.ToPrompt());
    }

    [Fact]
    public void Properties_hold_validated_parts()
    {
        var detect = PaliGemmaTask.Detect(" cat ", "dog");
        Assert.Equal(["cat", "dog"], detect.Labels);
        Assert.Null(detect.Language);
        Assert.Null(detect.Text);

        var answer = PaliGemmaTask.Answer(" why? ", "de");
        Assert.Equal("de", answer.Language);
        Assert.Equal("why?", answer.Text);
        Assert.Empty(answer.Labels);
    }

    [Fact]
    public void Labels_cannot_be_changed_through_the_list_or_the_input_array()
    {
        var input = new[] { "cat", "dog" };
        var task = PaliGemmaTask.Detect(input);
        input[0] = "<image>";
        Assert.Equal("detect cat ; dog", task.ToPrompt());
        Assert.IsNotType<string[]>(task.Labels);
    }

    [Fact]
    public void Equality_compares_labels_by_value()
    {
        var a = PaliGemmaTask.Detect("cat", "dog");
        var b = PaliGemmaTask.Detect(" cat", "dog ");
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, PaliGemmaTask.Detect("dog", "cat"));
        Assert.NotEqual(a, PaliGemmaTask.Segment("cat", "dog"));
        Assert.NotEqual(PaliGemmaTask.Caption("en"), PaliGemmaTask.Caption("de"));
    }

    [Fact]
    public void ToString_is_the_prompt() => Assert.Equal("segment a ; b", PaliGemmaTask.Segment("a", "b").ToString());

    [Theory]
    [InlineData("caption en", PaliGemmaTaskKind.Caption)]
    [InlineData("describe zh-CN", PaliGemmaTaskKind.Describe)]
    [InlineData("ocr", PaliGemmaTaskKind.Ocr)]
    [InlineData("answer en what is this?", PaliGemmaTaskKind.Answer)]
    [InlineData("question de ein Hund", PaliGemmaTaskKind.Question)]
    [InlineData("detect cat ; dog", PaliGemmaTaskKind.Detect)]
    [InlineData("segment traffic light", PaliGemmaTaskKind.Segment)]
    public void TryParse_recognises_canonical_prompts(string prompt, PaliGemmaTaskKind kind)
    {
        Assert.True(PaliGemmaTask.TryParse(prompt, out var task));
        Assert.Equal(kind, task.Kind);
        Assert.Equal(prompt, task.ToPrompt());
    }

    [Fact]
    public void TryParse_normalises_spacing_of_labels()
    {
        Assert.True(PaliGemmaTask.TryParse(" detect cat;dog ", out var task));
        Assert.Equal(PaliGemmaTask.Detect("cat", "dog"), task);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("detect ")]
    [InlineData("detect cat ; <loc0001>")]
    [InlineData("detect cat ; ")]
    [InlineData("segment a\nb")]
    [InlineData("caption english")]
    [InlineData("caption")]
    [InlineData("ocr now")]
    [InlineData("answer en")]
    [InlineData("answer en <image>")]
    [InlineData("translate en hello")]
    [InlineData("Detect cat")]
    public void TryParse_rejects_other_text(string? prompt)
    {
        Assert.False(PaliGemmaTask.TryParse(prompt, out var task));
        Assert.Null(task);
    }
}
