// jshell start-up for flashbutterfly (tools/jshell): imports and a short help.
import java.lang.foreign.Arena;
import io.flashbutterfly.api.*;
import io.flashbutterfly.ops.*;
import io.flashbutterfly.tensor.*;
import io.flashbutterfly.runtime.*;

Arena arena = Arena.ofShared();
Device device = Device.best();

void help() {
    System.out.println("""
        flashbutterfly in jshell: `arena` owns what you make, `device` is %s.
          Tensor u = Tensor.randn(arena, device, DType.BF16, Shape.of(2, 4, 1024), 1);
          Tensor k = Tensor.randn(arena, device, DType.FP32, Shape.of(4, 1024), 2);
          LongConv conv = LongConv.causal();         // also circular(), bidirectional()
          KernelSpectrum kf = conv.spectrum(k, 1024);
          Tensor y = conv.forward(u, kf, null);      // y = conv(u, k); pass a (H) tensor for D*u
          Gradients g = conv.backward(y, u, kf, null);
          y.toFloatArray()                           // values on the host
          LearnedButterflyConv lb = LearnedButterflyConv.forLength(arena, device, 1024, 1);
          LearnedGradients lg = lb.backward(y, u, k, null);  // learned factors: lg.dFactors()
        help() prints this again.""".formatted(device));
}
help();
