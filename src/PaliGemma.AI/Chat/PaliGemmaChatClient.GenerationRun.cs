using System.Threading.Channels;
using Microsoft.Extensions.AI;
using PaliGemma.AI.Runtime;

namespace PaliGemma.AI;

public sealed partial class PaliGemmaChatClient
{
    /// <summary>
    /// One request's generation loop. It runs the blocking token-by-token <see cref="PaliGemmaModel.Generate"/> on a
    /// pool thread and hands finished text pieces to the streaming caller through a small bounded channel, so the
    /// generator never runs far ahead of a slow reader and stops within one step after cancellation.
    /// </summary>
    private sealed class GenerationRun
    {
        private const int ChannelCapacity = 4;

        private readonly PaliGemmaChatClient _owner;
        private readonly float[] _features;
        private readonly int[] _promptIds;
        private readonly PaliGemmaGenerationSettings _settings;
        private readonly StopSequenceMatcher _stops;
        private readonly Channel<string> _channel = Channel.CreateBounded<string>(
            new BoundedChannelOptions(ChannelCapacity) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });

        public GenerationRun(PaliGemmaChatClient owner, float[] features, int[] promptIds, PaliGemmaGenerationSettings settings, StopSequenceMatcher stops)
        {
            _owner = owner;
            _features = features;
            _promptIds = promptIds;
            _settings = settings;
            _stops = stops;
        }

        /// <summary>Gets or sets the <see cref="System.Diagnostics.Stopwatch"/> timestamp when the request entered the client (telemetry's time to first token).</summary>
        public long RequestStart { get; init; }

        /// <summary>Gets the text pieces as they are produced.</summary>
        public ChannelReader<string> Pieces => _channel.Reader;

        /// <summary>Generates until a stop token, a stop sequence, the token limit or cancellation.</summary>
        /// <param name="cancellationToken">Stops generation between token steps.</param>
        /// <returns>How generation ended.</returns>
        public async Task<GenerationOutcome> ProduceAsync(CancellationToken cancellationToken)
        {
            var writer = _channel.Writer;
            try
            {
                var outputTokens = 0;
                long firstToken = 0;
                var finishReason = ChatFinishReason.Length;
                using var telemetry = PaliGemmaTelemetry.StartGeneration(_owner._model.ModelId, _promptIds.Length, RequestStart);
                using (var decoder = _owner._model.CreateTextDecoder())
                {
                    foreach (var token in _owner._model.Generate(_features, _promptIds, _settings, cancellationToken))
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        telemetry.Token();
                        if (outputTokens++ == 0)
                        {
                            firstToken = System.Diagnostics.Stopwatch.GetTimestamp();
                        }

                        Interlocked.Increment(ref _owner._outputTokens);
                        if (token.IsStop)
                        {
                            finishReason = ChatFinishReason.Stop;
                            break;
                        }

                        var piece = _stops.Append(decoder.Append(token.Id));
                        if (piece.Length > 0)
                        {
                            await writer.WriteAsync(piece, cancellationToken).ConfigureAwait(false);
                        }

                        if (_stops.Stopped)
                        {
                            finishReason = ChatFinishReason.Stop;
                            break;
                        }
                    }

                    if (!_stops.Stopped)
                    {
                        // Byte tokens at the very end are held back by the decoder until the text ends.
                        var held = _stops.Append(decoder.Flush());
                        if (held.Length > 0)
                        {
                            await writer.WriteAsync(held, cancellationToken).ConfigureAwait(false);
                        }

                        if (_stops.Stopped)
                        {
                            finishReason = ChatFinishReason.Stop;
                        }
                    }
                }

                var rest = _stops.Flush();
                if (rest.Length > 0)
                {
                    await writer.WriteAsync(rest, cancellationToken).ConfigureAwait(false);
                }

                long lastToken = System.Diagnostics.Stopwatch.GetTimestamp();
                writer.TryComplete();
                telemetry.Completed(outputTokens, finishReason.Value);
                return new GenerationOutcome(outputTokens, finishReason, firstToken, lastToken);
            }
            catch (Exception ex)
            {
                writer.TryComplete(ex);
                throw;
            }
        }
    }

    /// <summary>How one generation ended.</summary>
    /// <param name="OutputTokens">Tokens generated, including a stop token.</param>
    /// <param name="FinishReason">Stop (stop token or stop sequence) or Length.</param>
    /// <param name="FirstToken">The <see cref="System.Diagnostics.Stopwatch"/> timestamp of the first token, 0 when none came.</param>
    /// <param name="LastToken">The <see cref="System.Diagnostics.Stopwatch"/> timestamp when generation ended.</param>
    private sealed record GenerationOutcome(int OutputTokens, ChatFinishReason FinishReason, long FirstToken, long LastToken);

    /// <summary>Creates the updates of one response, all sharing its ids, time and model id.</summary>
    private sealed class UpdateFactory
    {
        private readonly string _modelId;
        private readonly string _responseId = "paligemma-" + Guid.NewGuid().ToString("N");
        private readonly string _messageId = "msg-" + Guid.NewGuid().ToString("N");
        private readonly DateTimeOffset _createdAt = DateTimeOffset.UtcNow;

        public UpdateFactory(string modelId) => _modelId = modelId;

        /// <summary>An update carrying a piece of text.</summary>
        public ChatResponseUpdate Text(string text) => Stamp(new ChatResponseUpdate(ChatRole.Assistant, text));

        /// <summary>The last update: usage, finish reason and the request's metrics (in <see cref="ChatResponseUpdate.AdditionalProperties"/>).</summary>
        public ChatResponseUpdate Final(int inputTokens, GenerationOutcome outcome, PaliGemmaRequestMetrics metrics)
        {
            var usage = new UsageDetails
            {
                InputTokenCount = inputTokens,
                OutputTokenCount = outcome.OutputTokens,
                TotalTokenCount = inputTokens + outcome.OutputTokens,
            };
            var update = Stamp(new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(usage)]));
            update.FinishReason = outcome.FinishReason;
            update.AdditionalProperties = new() { [PaliGemmaRequestMetrics.PropertyName] = metrics };
            return update;
        }

        private ChatResponseUpdate Stamp(ChatResponseUpdate update)
        {
            update.ResponseId = _responseId;
            update.MessageId = _messageId;
            update.CreatedAt = _createdAt;
            update.ModelId = _modelId;
            return update;
        }
    }
}
