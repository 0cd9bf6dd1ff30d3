using System.Text.Json;
using Microsoft.Extensions.AI;

namespace PaliGemma.AI.Tests.Chat;

/// <summary>
/// The PaliGemma settings in <see cref="ChatOptions.AdditionalProperties"/>: each setter's value reads back, an absent
/// or null entry reads as null, and a wrong value fails with a message naming the key, what it holds and the setter.
/// </summary>
public sealed class ChatOptionsPropertyTests
{
    [Fact]
    public void Each_setting_reads_back_what_was_set_and_null_when_absent()
    {
        PaliGemmaTask task = PaliGemmaTask.Detect("cat");
        ChatOptions options = new ChatOptions()
            .WithPaliGemmaTask(task)
            .WithPaliGemmaAdapter("ft")
            .WithPaliGemmaConstrainedDecoding(false)
            .WithPaliGemmaAllowedAnswers(["yes", "no"]);

        Assert.Same(task, options.GetPaliGemmaTask());
        Assert.Equal("ft", options.GetPaliGemmaAdapter());
        Assert.False(options.GetPaliGemmaConstrainedDecoding());
        Assert.Equal(["yes", "no"], options.GetPaliGemmaAllowedAnswers());
        Assert.Equal(4, options.AdditionalProperties!.Count);

        foreach (ChatOptions? empty in new[] { null, new ChatOptions(), new ChatOptions { AdditionalProperties = [] } })
        {
            Assert.Null(empty.GetPaliGemmaTask());
            Assert.Null(empty.GetPaliGemmaAdapter());
            Assert.Null(empty.GetPaliGemmaConstrainedDecoding());
            Assert.Null(empty.GetPaliGemmaAllowedAnswers());
        }

        var nulls = new ChatOptions { AdditionalProperties = new() { ["paligemma.task"] = null, ["paligemma.adapter"] = null, ["paligemma.constrained"] = null, ["paligemma.allowed_answers"] = null } };
        Assert.Null(nulls.GetPaliGemmaTask());
        Assert.Null(nulls.GetPaliGemmaAdapter());
        Assert.Null(nulls.GetPaliGemmaConstrainedDecoding());
        Assert.Null(nulls.GetPaliGemmaAllowedAnswers());
    }

    [Fact]
    public void An_adapter_name_may_arrive_as_a_json_string()
    {
        using JsonDocument doc = JsonDocument.Parse("\"ft\"");
        var options = new ChatOptions { AdditionalProperties = new() { ["paligemma.adapter"] = doc.RootElement.Clone() } };

        Assert.Equal("ft", options.GetPaliGemmaAdapter());
    }

    [Fact]
    public void A_wrong_value_names_the_key_what_it_holds_and_the_setter()
    {
        var options = new ChatOptions
        {
            AdditionalProperties = new()
            {
                ["paligemma.task"] = "detect cat",
                ["paligemma.adapter"] = 42,
                ["paligemma.constrained"] = "yes",
                ["paligemma.allowed_answers"] = 7L,
            },
        };

        AssertMessage("ChatOptions.AdditionalProperties[\"paligemma.task\"] holds a String; it must be a PaliGemmaTask (use WithPaliGemmaTask).", () => options.GetPaliGemmaTask());
        AssertMessage("ChatOptions.AdditionalProperties[\"paligemma.adapter\"] holds a Int32; it must be an adapter name (use WithPaliGemmaAdapter).", () => options.GetPaliGemmaAdapter());
        AssertMessage("ChatOptions.AdditionalProperties[\"paligemma.constrained\"] holds a String; it must be a bool (use WithPaliGemmaConstrainedDecoding).", () => options.GetPaliGemmaConstrainedDecoding());
        AssertMessage("ChatOptions.AdditionalProperties[\"paligemma.allowed_answers\"] holds a Int64; it must be a list of strings (use WithPaliGemmaAllowedAnswers).", () => options.GetPaliGemmaAllowedAnswers());

        options.AdditionalProperties["paligemma.adapter"] = "  ";
        AssertMessage("ChatOptions.AdditionalProperties[\"paligemma.adapter\"] holds an empty string; it must be an adapter name (use WithPaliGemmaAdapter).", () => options.GetPaliGemmaAdapter());
    }

    private static void AssertMessage(string expected, Func<object?> read)
    {
        ArgumentException ex = Assert.Throws<ArgumentException>(read);
        Assert.Equal("options", ex.ParamName);
        Assert.Equal(expected + " (Parameter 'options')", ex.Message);
    }
}
