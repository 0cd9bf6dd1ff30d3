namespace PaliGemma.Onnx.Masks;

/// <summary>
/// The codebook and decoder weights of big_vision's segmentation VQ-VAE (<c>vae-oid.npz</c>), validated.
/// The archive holds PyTorch <c>state_dict</c> tensors: <c>_vq_vae._embedding</c> [codes, D];
/// <c>decoder.0</c> Conv2d 1×1 (D→W); <c>decoder.2.net.{0,2,4}</c> and <c>decoder.3.net.{0,2,4}</c> the two
/// residual blocks (Conv 3×3, Conv 3×3, Conv 1×1, W→W); <c>decoder.{4,6,8,10}</c> ConvTranspose2d 4×4
/// (weights [in, out, 4, 4]); <c>decoder.12</c> Conv2d 1×1 (→1). Conv2d weights are [out, in, kh, kw].
/// Sizes are read from the file; only the decoder and codebook entries are read (the encoder is ignored).
/// </summary>
public sealed class VqVaeDecoderWeights
{
    /// <summary>The key of the codebook array.</summary>
    public const string CodebookKey = "_vq_vae._embedding";

    /// <summary>The largest channel count accepted for any layer.</summary>
    public const int MaxChannels = 8192;

    /// <summary>The largest codebook accepted.</summary>
    public const int MaxCodebookSize = 65536;

    /// <summary>The names of the two residual blocks.</summary>
    public static readonly IReadOnlyList<string> ResBlocks = ["decoder.2.net", "decoder.3.net"];

    /// <summary>The names of the four transposed-convolution (upsampling) layers, in order.</summary>
    public static readonly IReadOnlyList<string> UpsampleLayers = ["decoder.4", "decoder.6", "decoder.8", "decoder.10"];

    /// <summary>The name of the first 1×1 convolution.</summary>
    public const string InputConv = "decoder.0";

    /// <summary>The name of the final 1×1 convolution.</summary>
    public const string OutputConv = "decoder.12";

    private readonly Dictionary<string, NpyArray> _arrays;

    private VqVaeDecoderWeights(Dictionary<string, NpyArray> arrays, string source)
    {
        _arrays = arrays;
        Source = source;
        NpyArray codebook = arrays[CodebookKey];
        if (codebook.Shape.Count != 2 || codebook.Shape[0] < 1 || codebook.Shape[0] > MaxCodebookSize || codebook.Shape[1] < 1 || codebook.Shape[1] > MaxChannels)
        {
            throw Bad(CodebookKey, codebook.Shape, "[codes, D]");
        }

        CodebookSize = (int)codebook.Shape[0];
        EmbeddingDim = (int)codebook.Shape[1];
        Width = Conv(InputConv, -1, EmbeddingDim, 1);
        foreach (string block in ResBlocks)
        {
            Conv(block + ".0", Width, Width, 3);
            Conv(block + ".2", Width, Width, 3);
            Conv(block + ".4", Width, Width, 1);
        }

        var channels = new List<int>();
        int cin = Width;
        foreach (string layer in UpsampleLayers)
        {
            cin = ConvTranspose(layer, cin);
            channels.Add(cin);
        }

        UpsampleChannels = channels;
        Conv(OutputConv, 1, cin, 1);
    }

    /// <summary>Gets where the weights came from (for messages).</summary>
    public string Source { get; }

    /// <summary>Gets the number of codebook entries (128 in <c>vae-oid.npz</c>).</summary>
    public int CodebookSize { get; }

    /// <summary>Gets the width D of a codebook entry.</summary>
    public int EmbeddingDim { get; }

    /// <summary>Gets the decoder width W (output of <c>decoder.0</c> and of the residual blocks).</summary>
    public int Width { get; }

    /// <summary>Gets the output channels of the four upsampling layers (128, 64, 32, 16 in <c>vae-oid.npz</c>).</summary>
    public IReadOnlyList<int> UpsampleChannels { get; }

    /// <summary>Gets the codebook [codes, D].</summary>
    public NpyArray Codebook => _arrays[CodebookKey];

    /// <summary>Gets every key this type reads.</summary>
    public static IReadOnlyList<string> RequiredKeys { get; } = BuildKeys();

    /// <summary>Gets the weight of a layer (e.g. <c>decoder.0</c>).</summary>
    public NpyArray WeightOf(string layer) => _arrays[layer + ".weight"];

    /// <summary>Gets the bias of a layer (e.g. <c>decoder.0</c>).</summary>
    public NpyArray BiasOf(string layer) => _arrays[layer + ".bias"];

    /// <summary>Reads and validates the decoder and codebook from an .npz file.</summary>
    /// <param name="npzPath">The <c>vae-oid.npz</c> file (or one with the same keys).</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">A key is missing or has the wrong dtype or shape.</exception>
    public static VqVaeDecoderWeights Load(string npzPath)
    {
        using NpzArchive npz = NpzArchive.Open(npzPath);
        var arrays = new Dictionary<string, NpyArray>(StringComparer.Ordinal);
        foreach (string key in RequiredKeys)
        {
            if (!npz.Contains(key))
            {
                throw new InvalidDataException($"{npzPath}: missing array '{key}'; expected big_vision's VQ-VAE keys (e.g. '{CodebookKey}', 'decoder.0.weight').");
            }

            arrays[key] = npz.ReadFloat32(key);
        }

        return new VqVaeDecoderWeights(arrays, npzPath);
    }

    private static List<string> BuildKeys()
    {
        var layers = new List<string> { InputConv };
        foreach (string block in ResBlocks)
        {
            layers.AddRange([block + ".0", block + ".2", block + ".4"]);
        }

        layers.AddRange(UpsampleLayers);
        layers.Add(OutputConv);
        var keys = new List<string> { CodebookKey };
        foreach (string layer in layers)
        {
            keys.Add(layer + ".weight");
            keys.Add(layer + ".bias");
        }

        return keys;
    }

    /// <summary>Checks a Conv2d weight [out, in, k, k] and bias [out]; returns out.</summary>
    private int Conv(string layer, int expectedOut, int expectedIn, int kernel)
    {
        IReadOnlyList<long> w = WeightOf(layer).Shape;
        bool ok = w.Count == 4 && w[1] == expectedIn && w[2] == kernel && w[3] == kernel
            && w[0] >= 1 && w[0] <= MaxChannels && (expectedOut < 0 || w[0] == expectedOut);
        if (!ok)
        {
            throw Bad(layer + ".weight", w, $"[{(expectedOut < 0 ? "out" : expectedOut)}, {expectedIn}, {kernel}, {kernel}]");
        }

        CheckBias(layer, (int)w[0]);
        return (int)w[0];
    }

    /// <summary>Checks a ConvTranspose2d weight [in, out, 4, 4] and bias [out]; returns out.</summary>
    private int ConvTranspose(string layer, int expectedIn)
    {
        IReadOnlyList<long> w = WeightOf(layer).Shape;
        bool ok = w.Count == 4 && w[0] == expectedIn && w[2] == 4 && w[3] == 4 && w[1] >= 1 && w[1] <= MaxChannels;
        if (!ok)
        {
            throw Bad(layer + ".weight", w, $"[{expectedIn}, out, 4, 4]");
        }

        CheckBias(layer, (int)w[1]);
        return (int)w[1];
    }

    private void CheckBias(string layer, int channels)
    {
        IReadOnlyList<long> b = BiasOf(layer).Shape;
        if (b.Count != 1 || b[0] != channels)
        {
            throw Bad(layer + ".bias", b, $"[{channels}]");
        }
    }

    private InvalidDataException Bad(string key, IReadOnlyList<long> shape, string expected) =>
        new($"{Source}: array '{key}' has shape ({string.Join(", ", shape)}), expected {expected}.");
}
