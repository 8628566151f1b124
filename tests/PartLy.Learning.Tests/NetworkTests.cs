using PartLy.Core.Streams;
using PartLy.Learning.Nn;
using PartLy.Learning.Policies;
using PartLy.Learning.Rl;

namespace PartLy.Learning.Tests;

public class NetworkTests
{
    private static float[] RandomInput(int n, int seed)
    {
        var rng = new SplitMix64((ulong)seed);
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    [Fact]
    public void Mlp_gradients_match_finite_differences()
    {
        var mlp = new Mlp(5, 7, 6, 3);
        mlp.InitialiseOrthogonal(3, 1.0);
        var x = RandomInput(5, 1);
        float[] weightsOfOutputs = [0.7f, -1.3f, 0.4f];
        double Loss()
        {
            var y = mlp.Forward(x, mlp.NewActivations());
            double l = 0;
            for (int o = 0; o < 3; o++) l += weightsOfOutputs[o] * y[o];
            return l;
        }
        var activations = mlp.NewActivations();
        mlp.Forward(x, activations);
        var gradient = new float[mlp.Parameters.Length];
        mlp.Backward(weightsOfOutputs, activations, gradient, mlp.NewScratch());
        for (int i = 0; i < mlp.Parameters.Length; i++)
        {
            float saved = mlp.Parameters[i];
            const float h = 1e-2f;
            mlp.Parameters[i] = saved + h;
            double up = Loss();
            mlp.Parameters[i] = saved - h;
            double down = Loss();
            mlp.Parameters[i] = saved;
            double numeric = (up - down) / (2 * h);
            Assert.True(Math.Abs(numeric - gradient[i]) < 2e-3 + 2e-2 * Math.Abs(numeric), $"parameter {i}: analytic {gradient[i]}, numeric {numeric}");
        }
    }

    [Fact]
    public void Tanh_is_within_3e_7_of_the_exact_value_and_the_same_on_both_paths()
    {
        var lanes = new float[System.Runtime.Intrinsics.Vector256<float>.Count];
        for (int n = -120_000; n <= 120_000; n += lanes.Length)
        {
            for (int j = 0; j < lanes.Length; j++) lanes[j] = (n + j) * 1e-4f;
            var vector = Mlp.Tanh(System.Runtime.Intrinsics.Vector256.Create(lanes));
            for (int j = 0; j < lanes.Length; j++)
            {
                float scalar = Mlp.Tanh(lanes[j]);
                Assert.Equal(scalar, vector[j]);
                Assert.True(Math.Abs(scalar - Math.Tanh(lanes[j])) < 3e-7, $"tanh({lanes[j]}) = {scalar}, exact {Math.Tanh(lanes[j])}");
            }
        }
    }

    [Theory]
    [InlineData(11, 16)]
    [InlineData(11, 32)]
    [InlineData(5, 7)]
    public void Scoring_rows_together_gives_exactly_the_forward_pass_of_each_row(int inputs, int hidden)
    {
        var mlp = new Mlp(inputs, hidden, hidden, 1);
        mlp.InitialiseOrthogonal(5, 1.0);
        var activations = mlp.NewActivations();
        for (int rows = 1; rows <= 9; rows++)
        {
            var x = RandomInput(rows * inputs, rows);
            var scores = new float[rows];
            mlp.Score(x, rows, scores, mlp.NewScoreScratch(rows));
            for (int r = 0; r < rows; r++)
                Assert.Equal(mlp.Forward(x.AsSpan(r * inputs, inputs), activations)[0], scores[r]);
        }
    }

    [Fact]
    public void Orthogonal_initialisation_gives_orthonormal_rows_times_the_gain()
    {
        var mlp = new Mlp(8, 8, 1);
        mlp.InitialiseOrthogonal(5, 0.01);
        // first layer: 8x8, gain sqrt(2): W Wᵀ = 2 I
        for (int a = 0; a < 8; a++)
            for (int b = 0; b < 8; b++)
            {
                double dot = 0;
                for (int i = 0; i < 8; i++) dot += mlp.Parameters[i * 8 + a] * mlp.Parameters[i * 8 + b];
                Assert.Equal(a == b ? 2.0 : 0.0, dot, 4);
            }
    }

    [Fact]
    public void Policy_gradient_matches_finite_differences_of_the_objective()
    {
        var policy = new CandidatePolicy(features: 4, globals: 2, maxCandidates: 3, hidden: 5, seed: 9);
        for (int i = 0; i < policy.Scorer.Parameters.Length; i++) policy.Scorer.Parameters[i] *= 30; // away from uniform
        var candidates = RandomInput(12, 4);
        const int action = 2;
        const float logCoefficient = 0.8f, entropyCoefficient = 0.3f;
        var probabilities = new float[3];
        double Objective()
        {
            policy.Distribution(candidates, 3, probabilities);
            double entropy = -probabilities.Sum(p => p * Math.Log(p));
            return -(logCoefficient * Math.Log(probabilities[action]) + entropyCoefficient * entropy);
        }
        var gradient = new float[policy.Scorer.Parameters.Length];
        policy.EvaluateActions(candidates, 3, action);
        policy.BackpropagatePolicy(candidates, 3, action, logCoefficient, entropyCoefficient, gradient);
        var p = policy.Scorer.Parameters;
        for (int i = 0; i < p.Length; i++)
        {
            float saved = p[i];
            const float h = 1e-3f;
            p[i] = saved + h;
            double up = Objective();
            p[i] = saved - h;
            double down = Objective();
            p[i] = saved;
            double numeric = (up - down) / (2 * h);
            Assert.True(Math.Abs(numeric - gradient[i]) < 5e-3 + 3e-2 * Math.Abs(numeric), $"parameter {i}: analytic {gradient[i]}, numeric {numeric}");
        }
    }

    [Fact]
    public void Adam_minimises_a_quadratic()
    {
        var parameters = new[] { 3f, -2f, 5f };
        var adam = new Adam(3);
        var gradient = new float[3];
        for (int step = 0; step < 2000; step++)
        {
            for (int i = 0; i < 3; i++) gradient[i] = 2 * (parameters[i] - i);
            var (scale, _) = Adam.ClipScale(1.0, gradient);
            adam.Step(parameters, gradient, 0.05, scale);
        }
        for (int i = 0; i < 3; i++) Assert.Equal(i, parameters[i], 1);
    }

    [Fact]
    public void Clipping_scales_the_global_norm_down_to_the_limit()
    {
        var (scale, norm) = Adam.ClipScale(0.5, [3f, 0f], [4f]);
        Assert.Equal(5.0, norm, 6);
        Assert.Equal(0.1f, scale, 6);
        Assert.Equal(1f, Adam.ClipScale(10, [3f], [4f]).Scale);
    }
}
