#pragma once
// DataProduct <-> JSON: the `_catalog` record value and the body of
// GET /v1/products/{name}. One shape for both, so what the API shows is what
// is persisted (runtime status is added beside it by the catalog).

#include <boost/json.hpp>

#include <string>
#include <string_view>

#include "base/result.h"
#include "catalog/product_model.h"

namespace meshd::catalog {

std::string_view ViolationActionName(ViolationAction a);
std::string_view PiiTreatmentName(PiiTreatment t);
bool ParseViolationAction(std::string_view s, ViolationAction* out);
bool ParsePiiTreatment(std::string_view s, PiiTreatment* out);

boost::json::object ContractToJson(const ContractSpec& c);
boost::json::object GrantToJson(const Grant& g);
boost::json::object ProductToJson(const DataProduct& p);
Result<DataProduct> ProductFromJson(const boost::json::value& v);

}  // namespace meshd::catalog
