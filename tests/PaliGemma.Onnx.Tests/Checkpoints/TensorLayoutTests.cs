using PaliGemma.Onnx.Checkpoints;

namespace PaliGemma.Onnx.Tests.Checkpoints;

public sealed class TensorLayoutTests
{
    [Theory]
    [InlineData("vision_tower.vision_model.encoder.layers.0.layer_norm1.weight", TensorRole.LayerNormScale)]
    [InlineData("vision_tower.vision_model.post_layernorm.weight", TensorRole.LayerNormScale)]
    [InlineData("vision_tower.vision_model.post_layernorm.bias", TensorRole.Bias)]
    [InlineData("vision_tower.vision_model.embeddings.position_embedding.weight", TensorRole.Embedding)]
    [InlineData("vision_tower.vision_model.embeddings.patch_embedding.weight", TensorRole.Weight)]
    [InlineData("multi_modal_projector.linear.weight", TensorRole.Weight)]
    [InlineData("language_model.model.embed_tokens.weight", TensorRole.Embedding)]
    [InlineData("language_model.model.layers.3.post_feedforward_layernorm.weight", TensorRole.RmsNormScale)]
    [InlineData("language_model.model.norm.weight", TensorRole.RmsNormScale)]
    [InlineData("language_model.model.layers.0.mlp.down_proj.weight", TensorRole.Weight)]
    public void Roles_follow_the_hf_names(string name, TensorRole role) => Assert.Equal(role, PaliGemmaTensorLayout.RoleOf(name));
}
