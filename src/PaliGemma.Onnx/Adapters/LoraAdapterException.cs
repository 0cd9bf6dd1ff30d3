namespace PaliGemma.Onnx.Adapters;

/// <summary>
/// A Hugging Face PEFT LoRA adapter folder cannot be merged: a missing or malformed file, an unsupported adapter kind or
/// field, a tensor whose name or shape does not fit the base model. <see cref="Field"/> and <see cref="Value"/> name what
/// was wrong (an <c>adapter_config.json</c> key such as <c>use_dora</c>, a tensor name, or a file name).
/// </summary>
public sealed class LoraAdapterException : Exception
{
    /// <summary>Creates the exception for <paramref name="field"/> holding <paramref name="value"/>.</summary>
    /// <param name="field">The config key, tensor name or file that is wrong.</param>
    /// <param name="value">Its value as found (JSON text, a shape, a size), or null when it is missing.</param>
    /// <param name="message">The whole message.</param>
    public LoraAdapterException(string field, string? value, string message)
        : base(message)
    {
        Field = field;
        Value = value;
    }

    /// <summary>Creates the exception for <paramref name="field"/> holding <paramref name="value"/>, with an inner cause.</summary>
    /// <param name="field">The config key, tensor name or file that is wrong.</param>
    /// <param name="value">Its value as found, or null when it is missing.</param>
    /// <param name="message">The whole message.</param>
    /// <param name="innerException">The cause.</param>
    public LoraAdapterException(string field, string? value, string message, Exception innerException)
        : base(message, innerException)
    {
        Field = field;
        Value = value;
    }

    /// <summary>Creates the exception.</summary>
    public LoraAdapterException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with an inner cause.</summary>
    public LoraAdapterException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public LoraAdapterException()
    {
    }

    /// <summary>Gets the config key, tensor name or file that is wrong (null when not set).</summary>
    public string? Field { get; }

    /// <summary>Gets the offending value as found, or null when it is missing.</summary>
    public string? Value { get; }
}
