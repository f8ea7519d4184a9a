import Testing
@testable import CaroKit
